"""Backups of everything the practices' records live in, and their restore.

The records all live in the database (kept reports and PDFs too), so a backup is a dump of
it: PostgreSQL's own (`pg_dump`, custom format), gzip-compressed and GPG-encrypted to the
operator's public key by django-dbbackup, written to BACKUP_DIR (or another storage), the
oldest beyond BACKUP_KEEP removed. Each one taken is a `Backup` row for the admin and
/health/. A restore goes onto an empty database only, with the private key at hand.

The row of a backup is written before the dump, so each backup holds the moment it was
taken: after a restore, `restored` is sent with that moment, and the outbox holds back what
may have gone out between the backup and the loss (followups.services.after_restore).
"""

import time

from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.dispatch import Signal
from django.utils import timezone

from .models import Backup

# Sent with taken_at= (when the restored backup was taken) once a restore has finished.
restored = Signal()


class NotConfigured(CommandError):
    pass


def take(*, stdout=None):
    """Take a backup now; return its Backup row."""
    from dbbackup.signals import post_backup  # the library's, loaded with its app

    if not settings.BACKUP_GPG_RECIPIENT:
        raise NotConfigured(
            "Backups are encrypted: set BACKUP_GPG_RECIPIENT to the key they are for."
        )
    written = {}

    def remember(sender, filename, storage, **kwargs):
        written["filename"], written["size"] = filename, storage.storage.size(filename)

    post_backup.connect(remember, weak=False, dispatch_uid="practice-backup")
    started = time.monotonic()
    marker = Backup.objects.create(filename="", size_bytes=0, seconds=0)  # in the dump
    try:
        call_command(
            "dbbackup",
            compress=True,
            encrypt=True,
            clean=True,
            interactive=False,
            stdout=stdout,
            verbosity=0,
        )
    except BaseException:
        marker.delete()
        raise
    finally:
        post_backup.disconnect(dispatch_uid="practice-backup")
    marker.filename, marker.size_bytes = written["filename"], written["size"]
    marker.seconds = time.monotonic() - started
    marker.save(update_fields=["filename", "size_bytes", "seconds"])
    return marker


def is_empty():
    """Whether the database holds nothing yet (no table of ours)."""
    return "practice_practice" not in connection.introspection.table_names()


def refuse_unless_empty():
    if not is_empty():
        raise CommandError(
            "This database is not empty. Restore onto a new, empty database, then point "
            "the app at it: nothing here is overwritten."
        )


def restore(filename=None, *, passphrase=None, stdout=None):
    """Restore a backup (the latest, or `filename`) onto this empty database."""
    refuse_unless_empty()
    options = {"decrypt": True, "uncompress": True, "interactive": False}
    if filename:
        options["input_filename"] = filename
    if passphrase:
        options["passphrase"] = passphrase
    call_command("dbrestore", stdout=stdout, verbosity=0, **options)
    connection.close()  # the restored schema, seen afresh
    # The backup's own row, written just before its dump: still without a file name.
    snapshot = Backup.objects.filter(filename="").order_by("-taken_at").first()
    restored.send(Backup, taken_at=snapshot.taken_at if snapshot else None)


def last_backup():
    """The latest backup that was written, or None (one query)."""
    return Backup.objects.exclude(filename="").order_by("-taken_at").first()


def stale_reason(now=None):
    """Why the backups are not as they should be, or an empty string. Nothing when backups
    are not set up (development); production sets BACKUP_GPG_RECIPIENT (check --deploy)."""
    if not settings.BACKUP_GPG_RECIPIENT:
        return ""
    latest = last_backup()
    if latest is None:
        return "no backup has been taken"
    hours = ((now or timezone.now()) - latest.taken_at).total_seconds() / 3600
    if hours > settings.BACKUP_MAX_AGE_HOURS:
        return f"the last backup is {hours:.0f} hours old"
    return ""
