from django.contrib import admin

from practice.admin import PracticeScopedAdmin

from .models import Appointment, NoteAmendment, Service, SessionNote, Technique


@admin.register(Service)
class ServiceAdmin(PracticeScopedAdmin):
    list_display = ("name", "duration_minutes", "price", "active")
    search_fields = ("name",)


@admin.register(Technique)
class TechniqueAdmin(PracticeScopedAdmin):
    list_display = ("name", "active")
    search_fields = ("name",)


@admin.register(Appointment)
class AppointmentAdmin(PracticeScopedAdmin):
    list_display = ("start", "client", "service", "status")
    list_filter = ("status",)
    list_select_related = ("client", "service")
    search_fields = ("client__first_name", "client__last_name")
    date_hierarchy = "start"


@admin.register(SessionNote)
class SessionNoteAdmin(PracticeScopedAdmin):
    """Read-only: notes are written, signed and amended in the app, where it is recorded."""

    list_display = ("appointment", "signed_at", "pain_flagged")
    list_select_related = ("appointment__client",)
    search_fields = ("client__first_name", "client__last_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(NoteAmendment)
class NoteAmendmentAdmin(SessionNoteAdmin):
    list_display = ("note", "by", "at")
    list_select_related = ("note__appointment__client", "by")
    search_fields = ("reason",)
