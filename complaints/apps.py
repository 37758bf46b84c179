from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints and incidents"

    def ready(self):
        from clients import record, timeline

        from . import services

        timeline.register(services.timeline_entries)
        record.register(services.record_part)
