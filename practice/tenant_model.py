"""TenantModel: the abstract base of every practice-owned row.

It carries the ``practice`` foreign key, a random public id for URLs, and a django-scopes
manager, so a query that forgot the practice raises ScopeError instead of returning
another practice's rows. (Its own module, below the models of practice/models.py and the
request-time helpers of practice/tenancy.py, which both use it.)
"""

import uuid

from django.db import models
from django_scopes import ScopedManager


class TenantModel(models.Model):
    practice = models.ForeignKey(
        "practice.Practice", on_delete=models.CASCADE, related_name="%(class)ss"
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    objects = ScopedManager(practice="practice")

    class Meta:
        abstract = True
