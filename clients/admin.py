from django.contrib import admin

from practice.admin import PracticeScopedAdmin

from .models import (
    Client,
    ConsentEvent,
    HealthCheck,
    IntakeFormVersion,
    IntakeLink,
    IntakeSubmission,
    MoveOn,
    Referral,
)


@admin.register(Client)
class ClientAdmin(PracticeScopedAdmin):
    list_display = ("first_name", "last_name", "email", "mobile", "status", "has_red_flags")
    list_filter = ("status", "has_red_flags", "preferred_channel")
    search_fields = ("first_name", "last_name", "email", "mobile")


@admin.register(ConsentEvent)
class ConsentEventAdmin(PracticeScopedAdmin):
    list_display = ("client", "channel", "given", "how", "at")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name", "client__email")


@admin.register(IntakeLink)
class IntakeLinkAdmin(PracticeScopedAdmin):
    list_display = ("client", "created_at", "expires_at", "revoked_at")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name")
    readonly_fields = ("public_id", "token_hash")


@admin.register(IntakeSubmission)
class IntakeSubmissionAdmin(PracticeScopedAdmin):
    """Read-only: submissions are versions that are never edited."""

    list_display = ("client", "version", "via", "submitted_at", "needs_review")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name", "signed_name")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IntakeFormVersion)
class IntakeFormVersionAdmin(PracticeScopedAdmin):
    """Read-only: a published form never changes (Settings → Intake form publishes)."""

    list_display = ("number", "published_at", "published_by")
    list_select_related = ("published_by",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HealthCheck)
class HealthCheckAdmin(PracticeScopedAdmin):
    """Read-only: what a client said about their health before a visit."""

    list_display = ("client", "checked_at", "changed")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(PracticeScopedAdmin):
    list_display = ("client", "practitioner", "created_at")
    list_select_related = ("client", "practitioner")
    search_fields = ("client__first_name", "client__last_name", "practitioner__name")


@admin.register(MoveOn)
class MoveOnAdmin(PracticeScopedAdmin):
    list_display = ("client", "reason", "method", "created_at", "undone_at")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name")
