"""What the practice's rules and the client's consent allow: the rule for a kind, the
quiet hours for texts, and the channel a message goes by. Read by planning and by the
dispatcher (which checks again at send time)."""

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone

from clients.models import Channel as ContactChannel

from .kinds import KINDS, TO_DO_KINDS
from .models import Channel, Rule


def rule_for(practice, kind):
    """The practice's rule for a kind; our defaults (unsaved) until they change it."""
    rule = Rule.objects.filter(practice=practice, kind=kind).first()
    return rule or Rule(practice=practice, kind=kind, **KINDS[kind].timing)


def practice_tz(practice):
    return zoneinfo.ZoneInfo(practice.time_zone)


def in_quiet_hours(moment, practice):
    """Whether `moment` falls in the hours no text is sent (settings.QUIET_HOURS, in the
    practice's time zone)."""
    start, end = settings.QUIET_HOURS
    hour = timezone.localtime(moment, practice_tz(practice)).hour
    return hour >= start or hour < end


def text_before_quiet_hours(due, practice, *, not_before):
    """A text due in quiet hours would wait for the morning, later than promised: send it
    instead half an hour before quiet hours began that evening, if that is not before
    `not_before`."""
    if not in_quiet_hours(due, practice):
        return due
    tz = practice_tz(practice)
    start, _ = settings.QUIET_HOURS
    local = timezone.localtime(due, tz)
    evening = local.date() if local.hour >= start else local.date() - datetime.timedelta(days=1)
    earlier = datetime.datetime.combine(evening, datetime.time(start), tzinfo=tz)
    earlier -= datetime.timedelta(minutes=30)
    return earlier if earlier >= not_before else due


def choose_channel(client, kind=None):
    """The client's preferred channel if they agreed to it, else another they agreed to,
    else a to-do for the therapist (a call or a letter needs no consent to be planned).
    A kind that is only ever a to-do (a client's reply to answer) is one whatever the
    client's channel."""
    if kind in TO_DO_KINDS:
        return Channel.TASK
    if client is None:
        return Channel.EMAIL  # to the practice itself
    allowed = {  # agreed to, and not reported undeliverable by the provider
        Channel.EMAIL: bool(client.email_consent and client.can_reach(Channel.EMAIL)),
        Channel.SMS: bool(client.sms_consent and client.can_reach(Channel.SMS)),
    }
    preferred = client.preferred_channel
    if preferred in (ContactChannel.PHONE, ContactChannel.LETTER):
        return Channel.TASK
    if allowed.get(preferred):
        return preferred
    for channel, ok in allowed.items():
        if ok:
            return channel
    return Channel.TASK
