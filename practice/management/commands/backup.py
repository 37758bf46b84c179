"""`manage.py backup`: an encrypted, compressed backup of the database, now."""

from django.core.management import BaseCommand
from django.template.defaultfilters import filesizeformat

from practice import backups


class Command(BaseCommand):
    help = "Take an encrypted, compressed backup of everything the records live in."

    def handle(self, *args, **options):
        taken = backups.take()
        self.stdout.write(
            f"Backup {taken.filename}: {filesizeformat(taken.size_bytes)} in {taken.seconds:.1f} s."
        )
