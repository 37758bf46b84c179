"""The audit trail: one call wherever clinical data is seen, changed, exported or sent."""

from .models import AuditEvent

Action = AuditEvent.Action


def record(request, action, what, client=None):
    """Note that the signed-in person did `action` to `what` (about `client`)."""
    return AuditEvent.objects.create(
        practice=request.practice,
        user=request.user if request.user.is_authenticated else None,
        client=client,
        action=action,
        what=what[:120],
        ip_address=request.META.get("REMOTE_ADDR"),
    )
