from django.apps import AppConfig


class FrontConfig(AppConfig):
    """The top floor: the pages that read every app (the dashboard and its figures, the
    referral network, people and the practice's settings). Nothing below imports it."""

    name = "practice.front"
    label = "front"
    verbose_name = "Dashboard and practice pages"

    def ready(self):
        from django.db.models.signals import post_save

        from followups import attachments
        from followups.kinds import Kind
        from practice.payments.models import Fee, Payment, Refund
        from sessions.models import Appointment

        from . import colleagues
        from .dashboard import forget_figures

        attachments.register(Kind.REFERRAL_LIST, colleagues.attachment)
        post_save.connect(forget_figures, sender=Appointment, dispatch_uid="dashboard-figures")
        for model in (Payment, Refund, Fee):  # money in, given back, owed
            post_save.connect(forget_figures, sender=model, dispatch_uid=f"dashboard-{model}")
