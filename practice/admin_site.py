"""The Django admin, held to the same sign-in rules as the rest of the app.

Django's own admin login would let someone in with a password alone. Here the admin sends
people to the app's sign-in page (throttled by axes) and, when they have an authenticator
or their practice requires one, to the code page before any admin page opens.
"""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import urlencode

from .two_factor import needs_code


class PracticeAdminSite(admin.AdminSite):
    site_header = "Practice administration"
    site_title = "Practice administration"

    def has_permission(self, request):
        return super().has_permission(request) and needs_code(request) is None

    def login(self, request, extra_context=None):
        next_url = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        if not request.user.is_authenticated:
            target = resolve_url(settings.LOGIN_URL)
        elif step := needs_code(request):
            target = reverse(step)
        else:  # signed in, but not staff: Django's page says so
            return super().login(request, extra_context)
        return redirect(f"{target}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
