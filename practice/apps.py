from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in


class PracticeConfig(AppConfig):
    default = True
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from . import checks  # noqa: F401 - registers the deploy checks
        from .security import mark_session_fresh

        user_logged_in.connect(mark_session_fresh, dispatch_uid="practice-session-fresh")


class PracticeAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the app's sign-in rules (see practice/admin_site.py)."""

    default = False
    default_site = "practice.admin_site.PracticeAdminSite"
