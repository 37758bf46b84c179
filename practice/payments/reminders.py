"""A reminder to a client of what they still owe, through the outbox like every message
(their consent, quiet hours, and too late after three days): written when the therapist
asks for it, at most one a day, with the sessions, the amounts and how to pay."""

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from followups.kinds import Kind, expires, key_for
from followups.models import Channel, FollowUp
from followups.planning import plan
from followups.rules import choose_channel
from followups.wording import site_url
from practice import dates
from practice.money import money
from sessions import booking

from . import online, services


def wording(client, sessions, channel, link):
    """The message as the client reads it: plain text (never HTML-escaped). `link`: their
    page, or its page to pay by card, where there is one."""
    practice = client.practice
    total = money(sum((s.owed for s in sessions), services.ZERO), practice)
    takes_cards = link is not None and online.account_for(practice) is not None
    if channel == "sms":
        plural = "s" if len(sessions) > 1 else ""
        how = f"Pay by card: {link}" if takes_cards else "Reply to arrange it, or pay next visit."
        return (
            f"Hi {client.first_name}, {total} is still to pay for {len(sessions)} "
            f"session{plural} at {practice.name}. {how}"
        )
    lines = "\n".join(
        f"- {dates.day(s.start, practice)}: {s.what}, {money(s.owed, practice)}" for s in sessions
    )
    how = "You can pay at your next visit, or reply to this e-mail to arrange it."
    if takes_cards:
        how = f"You can pay by card here:\n{link}"
    elif link:
        how += f" Your sessions and receipts are on your page:\n{link}"
    return (
        f"Hello {client.first_name},\n\nA short note from {practice.name}: {total} is still "
        f"to pay for\n{lines}\n\n{how}\n\nThank you,\n{practice.name}"
    )


def remind(client, *, by=None):
    """Plan the reminder; the FollowUp (skipped, with the reason, where it cannot go)."""
    sessions = services.owed_sessions(client)
    if not sessions:
        raise ValidationError("Nothing is owed: there is nothing to remind them of.")
    channel = choose_channel(client, Kind.OWED_REMINDER)
    if channel == Channel.TASK:
        raise ValidationError(
            f"{client.first_name} has not agreed to e-mails or texts, or none reach them: "
            "tell them at the next visit, or call."
        )
    now = timezone.now()
    day = dates.local(now, client.practice).date()
    key = key_for(Kind.OWED_REMINDER, client=client.public_id, day=day)
    already = FollowUp.objects.filter(idempotency_key=key).first()
    if already is not None:  # one a day, however often the button is pressed
        return already
    link = None  # the client's page exists where the practice books online
    if client.practice.online_booking:
        token = booking.issue_link(client)
        path = "receipts:pay" if online.account_for(client.practice) else "booking:mine"
        link = site_url(reverse(path, args=[token]))
    return plan(
        client.practice,
        Kind.OWED_REMINDER,
        key=key,
        due_at=now,
        expires_at=expires(Kind.OWED_REMINDER, now),
        client=client,
        channel=channel,
        body=wording(client, sessions, channel, link),
    )
