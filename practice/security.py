"""Small security pieces that are not a library's job."""

import time

from django.conf import settings

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


def mark_session_fresh(sender, request, user, **kwargs):
    """A new sign-in starts a fresh session: no renewal needed on the next request."""
    if hasattr(request, "session"):
        request.session[RENEWED] = time.time()
