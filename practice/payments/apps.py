from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    """Money through the practice: payments against sessions, and their receipts."""

    name = "practice.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self):
        from clients import timeline
        from followups import attachments
        from followups.kinds import Kind
        from sessions import personal

        from . import receipts, services

        attachments.register(Kind.RECEIPT, receipts.attachment)
        timeline.register(services.timeline_entries)
        personal.register(services.personal_section)
