"""Small security pieces that are not a library's job."""

import time

from django.conf import settings
from django.views.debug import SafeExceptionReporterFilter

from . import text

RENEWED = "_renewed_at"


class SlidingSessionMiddleware:
    """Keep an active sign-in alive; end an idle one after SESSION_COOKIE_AGE.

    Saving the session on every request would cost a write each time; renewing it once
    half of its life has gone (a saved session gets a fresh expiry) does the same job.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            renewed = session.get(RENEWED, 0)
            if time.time() - renewed > settings.SESSION_COOKIE_AGE / 2:
                session[RENEWED] = time.time()
        return self.get_response(request)


class NoStoreMiddleware:
    """Nothing this app draws is kept by a browser or a proxy: health answers, notes and
    records stay off shared disks and out of the back button of a borrowed phone. Every
    response gets `Cache-Control: no-store, private` unless its view chose otherwise
    (the calendar feed). Static files are served before this and keep their caching."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Cache-Control" not in response:
            response["Cache-Control"] = "no-store, private"
        return response


class CleanInputMiddleware:
    """Take NUL and bidirectional formatting controls out of every query string and form
    value before a view sees it (practice/text.py): no NUL reaches the database, and no
    typed name or answer can reorder what the therapist or an insurer reads. A view whose
    posts are signed by their sender (a provider's webhook) is marked `raw_post` and cleans
    what it keeps itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.GET = text.clean_querydict(request.GET)
        if request.method == "POST" and not getattr(view_func, "raw_post", False):
            request.POST = text.clean_querydict(request.POST)


def raw_post(view):
    """Leave this view's posted values as sent (their signature covers them)."""
    view.raw_post = True
    return view


def mark_session_fresh(sender, request, user, **kwargs):
    """A new sign-in starts a fresh session: no renewal needed on the next request."""
    if hasattr(request, "session"):
        request.session[RENEWED] = time.time()


class HealthDataReporterFilter(SafeExceptionReporterFilter):
    """Error reports never carry what people typed: nearly every form here holds health
    details or notes, so every POST value and every local variable is hidden, in the
    e-mails to ADMINS, in logged reports and on the DEBUG error page alike."""

    def is_active(self, request):
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return dict.fromkeys(request.POST, self.cleansed_substitute)

    def get_traceback_frame_variables(self, request, tb_frame):
        return [(name, self.cleansed_substitute) for name in tb_frame.f_locals]
