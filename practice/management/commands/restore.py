"""`manage.py restore`: a backup onto an empty database (the latest, or the one named)."""

import os

from django.core.management import BaseCommand

from practice import backups


class Command(BaseCommand):
    help = "Restore a backup onto an empty database: the latest, or --input-filename."

    def add_arguments(self, parser):
        parser.add_argument("--input-filename", help="The backup's file name (listbackups).")

    def handle(self, *args, **options):
        backups.restore(
            options["input_filename"], passphrase=os.environ.get("BACKUP_GPG_PASSPHRASE")
        )
        self.stdout.write("Restored. Start the app on this database.")
