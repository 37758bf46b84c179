from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self):
        from . import erasure, record, services, timeline

        erasure.register(erasure.CLIENTS)
        timeline.register(services.intake_entries)
        record.register(services.record_part)
