from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class PracticeConfig(AppConfig):
    name = "practice"
    verbose_name = "Practice"

    def ready(self):
        from .security import mark_session_fresh

        user_logged_in.connect(mark_session_fresh, dispatch_uid="practice-session-fresh")
