"""System checks of the practice kernel, run by `manage.py check --deploy`."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def backups_configured(app_configs, **kwargs):
    """A server whose backups are off would lose every record with its disk."""
    if settings.BACKUP_GPG_RECIPIENT:
        return []
    return [
        checks.Warning(
            "Backups are off: set BACKUP_GPG_RECIPIENT to the operator's GPG key so that "
            "beat takes an encrypted backup every day.",
            hint="See README.md, Deploying: Backups.",
            id="practice.W001",
        )
    ]
