"""/health/ and /health/backups/ answered near the top of the middleware stack, before the
session, the user and their practice are looked up: a load balancer polls them often, and
a poll should cost what the check itself costs (at most one query), whoever's cookie it
carries."""

import contextlib

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from . import views


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.paths = {}  # URLconf -> {path: view}; found once per URLconf

    def __call__(self, request):
        urlconf = getattr(request, "urlconf", settings.ROOT_URLCONF)
        if urlconf not in self.paths:
            self.paths[urlconf] = health_paths(urlconf)
        view = self.paths[urlconf].get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


def health_paths(urlconf):
    """Where the health pages are in `urlconf` (none, in a URLconf without them)."""
    found = {}
    for name, view in (("health", views.health), ("health_backups", views.health_backups)):
        with contextlib.suppress(NoReverseMatch):
            found[reverse(name, urlconf=urlconf)] = view
    return found
