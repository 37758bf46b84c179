"""Periodic jobs of the clients app."""

import logging

from celery import shared_task
from django_scopes import scope, scopes_disabled

from . import erasure

log = logging.getLogger(__name__)


@shared_task
def purge_erased():
    """Delete erased clients' kept records once their retention period is over."""
    with scopes_disabled():
        clients = list(erasure.due_for_purge().select_related("practice"))
    for client in clients:
        with scope(practice=client.practice):
            erasure.purge(client)
    if clients:
        log.info("Purged %s erased client record(s) past retention.", len(clients))
    return len(clients)
