from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self):
        from django.db.models.signals import post_save

        from practice.models import Practice

        from . import erasure, record, services, timeline

        # A new practice's first intake form (the standard checklist), so that no visit to
        # its form page is the one that writes it.
        post_save.connect(first_intake_form, sender=Practice, dispatch_uid="first_intake_form")

        erasure.register(erasure.CLIENTS)
        timeline.register(services.intake_entries)
        record.register(services.record_part)


def first_intake_form(sender, instance, created, raw=False, **kwargs):
    from .models import IntakeFormVersion

    if created and not raw:
        IntakeFormVersion.first(instance)
