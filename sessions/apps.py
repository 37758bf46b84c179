from django.apps import AppConfig
from django.db.models.signals import post_save


class SessionsConfig(AppConfig):
    """Treatment sessions (appointments and notes).

    The folder is called sessions, like django.contrib.sessions; the label keeps the two
    apart in migrations, permissions and the admin.
    """

    name = "sessions"
    label = "treatment_sessions"
    verbose_name = "Treatment sessions"

    def ready(self):
        from clients import erasure, record, timeline
        from practice.models import Practice

        from .erasure import ERASER
        from .printing import record_part
        from .timeline import session_entries

        post_save.connect(give_new_practice_defaults, sender=Practice, dispatch_uid="defaults")
        timeline.register(session_entries)
        erasure.register(ERASER)
        record.register(record_part)


def give_new_practice_defaults(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from .services import create_defaults

        create_defaults(instance)
