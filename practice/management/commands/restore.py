"""`manage.py restore`: a backup onto an empty database (the latest, or the one named)."""

import getpass
import os

from django.core.management import BaseCommand, CommandError

from practice import backups


class Command(BaseCommand):
    help = "Restore a backup onto an empty database: the latest, or --input-filename."

    def add_arguments(self, parser):
        parser.add_argument("--input-filename", help="The backup's file name (listbackups).")

    def handle(self, *args, **options):
        backups.refuse_unless_empty()  # before asking for anything
        passphrase = os.environ.get("BACKUP_GPG_PASSPHRASE")
        if passphrase is None:
            try:
                passphrase = getpass.getpass("Passphrase of the backups' private key: ")
            except EOFError:
                raise CommandError(
                    "The backup is encrypted: type the private key's passphrase when asked, "
                    "or set BACKUP_GPG_PASSPHRASE for this command."
                ) from None
        backups.restore(options["input_filename"], passphrase=passphrase or None)
        self.stdout.write("Restored. Start the app on this database.")
