"""The printed list of colleagues taking new clients: downloaded from the referral page, and
e-mailed to an enquirer through the follow-up outbox like every other message."""

import uuid

from django.utils import timezone

from followups.channels import ChannelError
from followups.kinds import Kind, expires, key_for
from followups.planning import plan
from practice import pdf
from practice.models import Practitioner

FILENAME = "recommended-practitioners.pdf"


def list_pdf(practice):
    """The PDF of the practice's colleagues taking new clients."""
    context = {
        "practice": practice,
        "practitioners": Practitioner.taking_new_clients(practice),
        "today": timezone.localdate(),
    }
    return pdf.render("pdf/referral_list.html", context)[0]


def send_list(practice, to, note):
    """Plan the e-mail of the list to `to`, under the therapist's note; return its row."""
    now = timezone.now()
    body = (note.strip() + "\n\n" if note.strip() else "") + (
        f"Attached is a list of colleagues recommended by {practice.name}."
    )
    return plan(
        practice,
        Kind.REFERRAL_LIST,
        key=key_for(Kind.REFERRAL_LIST, request=uuid.uuid4()),
        due_at=now,
        expires_at=expires(Kind.REFERRAL_LIST, now),
        body=body,
        to=to,
    )


def attachment(followup):
    """The PDF for the e-mail, made when it is sent; none (and no e-mail) if everyone on the
    list was marked full after it was asked for."""
    if not Practitioner.taking_new_clients(followup.practice).exists():
        raise ChannelError("Nobody on the list takes new clients now.", permanent=True)
    return [(FILENAME, list_pdf(followup.practice), "application/pdf")]
