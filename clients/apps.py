from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clients"

    def ready(self):
        from . import services, timeline

        timeline.register(services.intake_entries)
