from django.apps import AppConfig


class SessionsConfig(AppConfig):
    """Treatment sessions (appointments and notes).

    The folder is called sessions, like django.contrib.sessions; the label keeps the two
    apart in migrations, permissions and the admin.
    """

    name = "sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"
