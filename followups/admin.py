from django.contrib import admin

from practice.admin import PracticeScopedAdmin

from .models import Attempt, CheckIn, FollowUp, Rule


@admin.register(FollowUp)
class FollowUpAdmin(PracticeScopedAdmin):
    list_display = ("due_at", "client", "kind", "channel", "status", "attempts")
    list_filter = ("status", "kind", "channel")
    list_select_related = ("client",)
    search_fields = ("client__first_name", "client__last_name", "idempotency_key")
    readonly_fields = ("public_id", "idempotency_key", "attempts", "provider_id", "sent_at")


@admin.register(Attempt)
class AttemptAdmin(PracticeScopedAdmin):
    list_display = ("followup", "started_at", "ok", "error")
    list_select_related = ("followup__client",)
    search_fields = ("error",)


@admin.register(Rule)
class RuleAdmin(PracticeScopedAdmin):
    list_display = ("kind", "enabled")
    search_fields = ("subject",)


@admin.register(CheckIn)
class CheckInAdmin(PracticeScopedAdmin):
    list_display = ("appointment", "answer", "answered_at", "seen_at")
    list_select_related = ("appointment__client",)
    search_fields = ("client__first_name", "client__last_name", "comment")
    readonly_fields = ("public_id", "token_hash")
