from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints and incidents"

    def ready(self):
        from clients import erasure, record, timeline
        from followups.signals import checkin_worse

        from . import services
        from .erasure import ERASER

        checkin_worse.connect(opened_by_worse_answer, dispatch_uid="complaints-incident")
        timeline.register(services.timeline_entries)
        erasure.register(ERASER)
        record.register(services.record_part)


def opened_by_worse_answer(sender, checkin, **kwargs):
    """A "worse" check-in opens a draft incident linked to its session."""
    from .services import open_incident_from_checkin

    open_incident_from_checkin(checkin)
