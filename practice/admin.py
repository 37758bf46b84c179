from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import models
from django.db.models import Count, Q
from django.http import Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html

from .models import AuditEvent, Backup, Heartbeat, Membership, Practice, Practitioner, User
from .tenant_model import TenantModel


class NotFoundOutsideQuerysetMixin:
    """Answer 404 for an object outside get_queryset (Django's admin would redirect)."""

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("Not found.")
        return obj


class PracticeScopedAdmin(NotFoundOutsideQuerysetMixin, admin.ModelAdmin):
    """Admin for a tenant model: staff see and change only their current practice's rows.

    Superusers are scoped too: the admin never shows one practice's data to another's staff.
    """

    readonly_fields = ("public_id",)
    exclude = ("practice",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.practice is None:
            return queryset.none()
        return queryset.filter(practice=request.practice)

    # Without a current practice there is nothing of a practice to see or change, and the
    # model is not offered at all (an operator never reads a practice's clients or notes).
    def has_module_permission(self, request):
        return request.practice is not None and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.practice is not None and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return request.practice is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.practice is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.practice is not None and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.practice = request.practice
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if issubclass(related, TenantModel):
            kwargs["queryset"] = related.objects.filter(practice=request.practice)
        elif related is User:
            kwargs["queryset"] = users_of(request.practice)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def users_of(practice):
    if practice is None:
        return User.objects.none()
    return User.objects.filter(memberships__practice=practice).distinct()


@admin.register(Membership)
class MembershipAdmin(PracticeScopedAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__email", "user__first_name", "user__last_name")
    list_select_related = ("user",)


@admin.register(Practice)
class PracticeAdmin(NotFoundOutsideQuerysetMixin, admin.ModelAdmin):
    """Staff see their own practices. An operator (superuser) sees every practice, its
    members and how many of its messages and reports failed, but none of its clients' data
    and no change: the practice's owner runs it."""

    list_display = ("name", "slug", "time_zone", "members", "failed_messages", "failed_reports")
    search_fields = ("name", "slug", "email", "insurance_policy_number")
    readonly_fields = ("public_id", "slug", "created_at", "people")

    def get_queryset(self, request):
        queryset = (
            super()
            .get_queryset(request)
            .annotate(
                member_count=Count("memberships", distinct=True),
                failed_message_count=Count(
                    "followups", filter=Q(followups__status="failed"), distinct=True
                ),
                failed_report_count=Count(
                    "incidentreports", filter=Q(incidentreports__status="failed"), distinct=True
                ),
            )
        )
        if request.user.is_superuser:
            return queryset
        ids = [membership.practice_id for membership in request.memberships]
        return queryset.filter(pk__in=ids)

    def has_add_permission(self, request):
        return False  # practices are created by signing up

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        owns = any(m.practice_id == obj.pk and m.is_owner for m in request.memberships)
        return owns and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="people")
    def people(self, practice):
        """Who is in it, read only (the owner manages people in Settings → People)."""
        members = Membership._base_manager.filter(practice=practice).select_related("user")
        return ", ".join(
            f"{m.user.email} ({m.get_role_display().lower()})" for m in members.order_by("pk")
        )

    @admin.display(description="members", ordering="member_count")
    def members(self, practice):
        return practice.member_count

    @admin.display(description="failed messages", ordering="failed_message_count")
    def failed_messages(self, practice):
        return practice.failed_message_count

    @admin.display(description="failed reports", ordering="failed_report_count")
    def failed_reports(self, practice):
        return practice.failed_report_count


@admin.register(User)
class UserAdmin(NotFoundOutsideQuerysetMixin, BaseUserAdmin):
    """Users who belong to the staff member's current practice."""

    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "last_login")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Name", {"fields": ("first_name", "last_name")}),
        (
            "Access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    actions = ["unlock"]

    def get_queryset(self, request):
        if request.user.is_superuser:  # the operator: everyone, to find and unlock a person
            return User.objects.all()
        return users_of(request.practice)

    def has_add_permission(self, request):
        return False  # people join by signing up or by an owner's invitation

    @admin.action(description="Let them sign in again (clear lock-outs)")
    def unlock(self, request, queryset):
        for user in queryset:
            axes_reset(username=user.email)
        self.message_user(request, f"Cleared lock-outs for {queryset.count()} person(s).")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("name", "last_seen_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Backup)
class BackupAdmin(admin.ModelAdmin):
    """For the operator: when the last backups were taken, how big, how long they took."""

    list_display = ("taken_at", "filename", "size", "seconds_taken", "age")
    date_hierarchy = "taken_at"

    @admin.display(description="size")
    def size(self, backup):
        return filesizeformat(backup.size_bytes)

    @admin.display(description="seconds")
    def seconds_taken(self, backup):
        return f"{backup.seconds:.1f}"

    @admin.display(description="age")
    def age(self, backup):
        hours = (timezone.now() - backup.taken_at).total_seconds() / 3600
        text = f"{hours:.0f} h"
        if hours > settings.BACKUP_MAX_AGE_HOURS:
            return format_html('<strong style="color:#b02a37">{} (too old)</strong>', text)
        return text

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Practitioner)
class PractitionerAdmin(PracticeScopedAdmin):
    list_display = ("name", "profession", "accepting", "area")
    list_filter = ("profession", "accepting")
    search_fields = ("name", "clinic", "area", "specialties")


@admin.register(AuditEvent)
class AuditEventAdmin(PracticeScopedAdmin):
    """Read only: nobody edits or deletes the audit trail, here or anywhere."""

    list_display = ("at", "user", "action", "what", "client", "ip_address")
    list_filter = ("action",)
    list_select_related = ("user", "client")
    search_fields = ("what", "client__first_name", "client__last_name", "user__email")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
