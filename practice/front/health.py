"""/health/ and /health/backups/ answered near the top of the middleware stack, before the
session, the user and their practice are looked up: a load balancer polls them often, and
a poll should cost what the check itself costs (at most one query), whoever's cookie it
carries."""

from django.urls import reverse

from . import views


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.views = None

    def __call__(self, request):
        if self.views is None:  # the URLconf is loaded by now
            self.views = {
                reverse("health"): views.health,
                reverse("health_backups"): views.health_backups,
            }
        view = self.views.get(request.path_info)
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)
