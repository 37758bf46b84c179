"""`make bench`: a backup of the whole benchmark database and its restore onto a new one,
timed as the operator runs them (`manage.py backup`, `manage.py restore`, each a process of
its own), with a throwaway GPG key and folder."""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

RECIPIENT = "bench@practice.example"
PASSPHRASE = "bench-only"  # noqa: S105 - a throwaway key's, deleted with its folder


def throwaway_key(environment, recipient, passphrase):
    """A new GPG key pair in environment["GNUPGHOME"], for a drill or a bench run."""
    subprocess.run(  # noqa: S603 - gpg with fixed arguments
        [
            *("gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase),
            *(
                "--quick-generate-key",
                f"Throwaway key <{recipient}>",
                "default",
                "default",
                "never",
            ),
        ],
        env=environment,
        check=True,
        capture_output=True,
    )


def backup_and_restore():
    """Seconds for the backup, its size in bytes, seconds for the restore."""
    db = connection.settings_dict
    server = {
        "user": db["USER"] or "postgres",
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or "5432",
    }
    target = f"{db['NAME']}_restored"
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        (folder / "gnupg").mkdir(mode=0o700)
        environment = {
            **os.environ,
            "GNUPGHOME": str(folder / "gnupg"),
            "BACKUP_DIR": str(folder / "backups"),
            "BACKUP_GPG_RECIPIENT": RECIPIENT,
            "BACKUP_GPG_PASSPHRASE": PASSPHRASE,
        }
        throwaway_key(environment, RECIPIENT, PASSPHRASE)

        def manage(*command, **overrides):
            started = time.monotonic()
            subprocess.run(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", *command],
                cwd=settings.BASE_DIR,
                env={**environment, **overrides},
                check=True,
                capture_output=True,
            )
            return time.monotonic() - started

        def admin(statement):
            with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin_db:
                admin_db.execute(statement)

        backup_seconds = manage("backup")
        [made] = (folder / "backups").glob("*.gpg")
        size = made.stat().st_size
        admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        admin(f'CREATE DATABASE "{target}"')
        try:
            url = f"postgres://{server['user']}@{server['host']}:{server['port']}/{target}"
            restore_seconds = manage("restore", DATABASE_URL=url)
        finally:
            admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    return {
        "backup_seconds": round(backup_seconds, 1),
        "size_bytes": size,
        "database_bytes": database_size(),
        "restore_seconds": round(restore_seconds, 1),
    }


def database_size():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0]
