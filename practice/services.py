"""Workflows of the practice app that touch several models."""

from django.db import transaction

from .models import Membership, Practice


@transaction.atomic
def create_practice(owner, **fields):
    """Create a practice with `owner` as its owner member; return the membership."""
    fields["email"] = fields.get("email") or owner.email  # where clients' replies go
    practice = Practice.objects.create(**fields)
    return Membership.objects.create(practice=practice, user=owner, role=Membership.Role.OWNER)
