"""The printed list of colleagues taking new clients: downloaded from the referral page and
attached to the e-mail an enquirer gets."""

from django.utils import timezone

from practice import pdf
from practice.models import Practitioner


def list_pdf(practice):
    """The PDF of the practice's colleagues taking new clients."""
    context = {
        "practice": practice,
        "practitioners": Practitioner.taking_new_clients(practice),
        "today": timezone.localdate(),
    }
    return pdf.render("pdf/referral_list.html", context)[0]
