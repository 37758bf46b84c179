"""The follow-ups part of erasing a client (see clients/erasure.py)."""

from clients.erasure import Eraser

from .models import CheckIn, FollowUp, UnverifiedText


def erase(client):
    """Drop every message planned or sent (with their tries) and unverified texts; keep
    check-ins without their words, as the sessions they belong to are kept."""
    planned = FollowUp.objects.filter(
        client=client, status__in=(FollowUp.Status.SCHEDULED, FollowUp.Status.SENDING)
    ).count()
    FollowUp.objects.filter(client=client).delete()
    FollowUp.objects.filter(appointment__client=client).delete()  # alerts about them
    UnverifiedText.objects.filter(client=client).delete()
    CheckIn.objects.filter(client=client).update(comment="")
    return {"messages_cancelled": planned}


def purge(client):
    CheckIn.objects.filter(client=client).delete()


ERASER = Eraser(
    name="followups",
    models=(
        "followups.FollowUp",
        "followups.Attempt",
        "followups.CheckIn",
        "followups.UnverifiedText",
    ),
    erase=erase,
    purge=purge,
    purge_order=20,
)
