from django.apps import AppConfig
from django.db.models.signals import post_save


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = "Follow-ups"

    def ready(self):
        from anymail.signals import tracking

        from clients import erasure, record, timeline
        from clients.signals import red_flags_raised
        from practice.backups import restored
        from practice.two_factor import two_factor_changed
        from sessions import related
        from sessions.models import Appointment, BookingHold
        from sessions.signals import appointment_status_changed

        from . import attachments, delivery, planning, services
        from . import erasure as followups_erasure
        from .kinds import Kind

        appointment_status_changed.connect(planning.on_status_changed, dispatch_uid="followups")
        post_save.connect(
            saved_appointment, sender=Appointment, dispatch_uid="followups-appointment"
        )
        post_save.connect(saved_hold, sender=BookingHold, dispatch_uid="followups-hold")
        red_flags_raised.connect(services.alert_new_red_flags, dispatch_uid="followups")
        two_factor_changed.connect(planning.on_two_factor_changed, dispatch_uid="followups")
        restored.connect(services.after_restore, dispatch_uid="followups")
        tracking.connect(delivery.email_event, dispatch_uid="followups-delivery")
        timeline.register(services.timeline_entries)
        record.register(services.record_part)
        erasure.register(followups_erasure.ERASER)
        related.register(services.appointment_entries)
        attachments.register(Kind.BOOKING_CONFIRMATION, services.booking_invite)


def saved_appointment(sender, instance, created, raw=False, **kwargs):
    if not raw:
        from . import planning

        planning.on_appointment_saved(instance, created)


def saved_hold(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from . import planning

        planning.plan_hold_link(instance)
