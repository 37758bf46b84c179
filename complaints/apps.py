from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints and incidents"

    def ready(self):
        from clients import erasure, record, timeline
        from followups import attachments
        from followups.kinds import Kind
        from followups.signals import checkin_worse, followup_finished

        from . import sending, services
        from .erasure import ERASER

        checkin_worse.connect(opened_by_worse_answer, dispatch_uid="complaints-incident")
        followup_finished.connect(sending.follow, dispatch_uid="complaints-report-sent")
        attachments.register(Kind.INSURER_REPORT, sending.attachment)
        timeline.register(services.timeline_entries)
        erasure.register(ERASER)
        record.register(services.record_part)


def opened_by_worse_answer(sender, checkin, **kwargs):
    """A "worse" check-in opens a draft incident linked to its session."""
    from .services import open_incident_from_checkin

    open_incident_from_checkin(checkin)
