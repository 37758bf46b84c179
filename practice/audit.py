"""The audit trail: one call wherever clinical data is seen, changed, exported or sent."""

from .models import AuditEvent

Action = AuditEvent.Action


def record(request, action, what, client=None):
    """Note that the signed-in person did `action` to `what` (about `client`)."""
    user = request.user if request.user.is_authenticated else None
    return note(
        request.practice, user, action, what, client, ip_address=request.META.get("REMOTE_ADDR")
    )


def note(practice, user, action, what, client=None, ip_address=None):
    """The same from a service, where there is no request: `user` did `action`."""
    return AuditEvent.objects.create(
        practice=practice,
        user=user,
        client=client,
        action=action,
        what=what[:120],
        ip_address=ip_address,
    )
