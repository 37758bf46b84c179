"""Periodic jobs of the sessions app."""

from celery import shared_task
from django_scopes import scopes_disabled

from . import booking


@shared_task(name="sessions.tasks.forget_old_holds")
def forget_old_holds():
    """Delete what strangers typed on the booking page a day after (booking.forget_old_holds)."""
    with scopes_disabled():
        return booking.forget_old_holds()
