"""Background jobs of the top floor: e-mailing the list of colleagues."""

from celery import shared_task
from django_scopes import scope

from practice.models import Practice

from . import colleagues


# Messages queued under this name before the outbox took the list over still go out: they
# become outbox rows like any other.
@shared_task(name="practice.tasks.send_referral_list")
def send_referral_list(practice_id, to, note):
    """E-mail the practice's list of colleagues (PDF) to someone it cannot take on."""
    practice = Practice.objects.get(pk=practice_id)
    with scope(practice=practice):
        colleagues.send_list(practice, to, note)
