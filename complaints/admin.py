from django.contrib import admin

from practice.admin import PracticeScopedAdmin

from .models import Complaint, ComplaintStep, Incident, IncidentReport


@admin.register(Complaint)
class ComplaintAdmin(PracticeScopedAdmin):
    list_display = ("client", "category", "received_at", "acknowledged_at", "closed_at")
    list_filter = ("category", "severity")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name", "client_words")


@admin.register(ComplaintStep)
class ComplaintStepAdmin(PracticeScopedAdmin):
    list_display = ("complaint", "step", "done_at")
    list_select_related = ("complaint__client",)
    search_fields = ("note",)


@admin.register(Incident)
class IncidentAdmin(PracticeScopedAdmin):
    list_display = ("client", "reported_at", "severity", "status")
    list_filter = ("status", "severity")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name", "claim_reference")


@admin.register(IncidentReport)
class IncidentReportAdmin(PracticeScopedAdmin):
    """Read-only: a report is kept exactly as it was rendered and sent."""

    list_display = ("incident", "created_at", "status", "sent_to")
    list_select_related = ("incident__client",)
    search_fields = ("sent_to",)
    exclude = ("practice", "pdf")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
