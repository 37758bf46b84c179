from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Money through the practice: payments against sessions, and their receipts."""

    name = "practice.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self):
        from clients import erasure, timeline
        from followups import attachments
        from followups.kinds import Kind
        from sessions import codes, deposits, personal
        from sessions.signals import appointment_status_changed

        from . import online, receipts, services
        from .erasure import ERASER

        attachments.register(Kind.RECEIPT, receipts.attachment)
        attachments.register(Kind.CREDIT_NOTE, receipts.attachment)
        timeline.register(services.timeline_entries)
        personal.register(services.personal_packages)
        personal.register(services.personal_section)
        personal.register(online.personal_section)
        deposits.register(online.Deposits)
        erasure.register(ERASER)
        codes.register(services.BookingCodes)
        appointment_status_changed.connect(services.charge_fee, dispatch_uid="payments-fee")
        appointment_status_changed.connect(
            online.give_back_when_cancelled, dispatch_uid="payments-give-back"
        )
