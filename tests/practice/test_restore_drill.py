"""The restore drill, as an operator runs it: a seeded practice on a database of its own,
`manage.py backup`, the database dropped, `manage.py restore` onto a new empty one, and
then everything checked: each table's rows, the signed notes' hashes, the kept reports'
SHA-256, the evidence rules back in force, and the outbox sending what was still to send
once, and nothing that had been sent."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from email import message_from_bytes

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from practice.tooling.backup_bench import throwaway_key
from tests.support.system import require

pytestmark = pytest.mark.slow

RECIPIENT = "drill@practice.example"
PASSPHRASE = "a passphrase for the drill only"


@pytest.fixture
def drill(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("The drill backs up PostgreSQL with its own tools (pg_dump, pg_restore)")
    require(shutil.which("gpg"), "gpg (gnupg)")
    require(shutil.which("pg_dump") and shutil.which("pg_restore"), "postgresql-client")
    db = settings.DATABASES["default"]
    server = {
        "user": db["USER"] or "postgres",
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or "5432",
    }
    name = f"drill_{secrets.token_hex(4)}"
    gnupg = tmp_path / "gnupg"
    gnupg.mkdir(mode=0o700)
    folders = {part: tmp_path / part for part in ("backups", "mail", "var")}
    for folder in folders.values():
        folder.mkdir()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "practice.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{server['user']}@{server['host']}:{server['port']}/{name}",
        "VAR_DIR": str(folders["var"]),
        "GNUPGHOME": str(gnupg),
        "BACKUP_DIR": str(folders["backups"]),
        "BACKUP_GPG_RECIPIENT": RECIPIENT,
        "BACKUP_GPG_PASSPHRASE": PASSPHRASE,
        "EMAIL_BACKEND": "tests.support.backends.SlowFileBackend",
        "FAULT_MAIL_DIR": str(folders["mail"]),
        "SMS_BACKEND": "followups.channels.ConsoleSmsBackend",
        "SMS_FILE": str(tmp_path / "sms.log"),
        "QUIET_HOURS_START": "24",  # texts may go at any hour in the drill
        "QUIET_HOURS_END": "0",
    }
    environment.pop("REDIS_URL", None)  # tasks queued by the drill go to its own folder
    throwaway_key(environment, RECIPIENT, PASSPHRASE)

    def admin(statement):
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as db:
            db.execute(statement)

    def run(*command):
        done = subprocess.run(
            [sys.executable, *command],
            cwd=settings.BASE_DIR,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    admin(f'CREATE DATABASE "{name}"')
    try:
        yield {"name": name, "admin": admin, "run": run, "tmp": tmp_path, **folders}
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sent_mail(folder):
    return [message_from_bytes(path.read_bytes()) for path in sorted(folder.glob("*.eml"))]


def sent_texts(path):
    return path.read_text().count("\n---\n") if path.exists() else 0


def test_a_backup_restores_whole_onto_an_empty_database(drill):
    run, tmp = drill["run"], drill["tmp"]
    run("manage.py", "migrate", "--noinput", "-v0")
    seeded = json.loads(run("-m", "tests.support.drill", "seed"))
    assert seeded["due"] >= 2  # the booking's confirmation and the held time's e-mail
    run("-m", "tests.support.drill", "fingerprint", str(tmp / "before.json"))
    before = json.loads((tmp / "before.json").read_text())

    taken = run("manage.py", "backup")
    [backup] = list(drill["backups"].glob("*.gpg"))
    assert backup.name.endswith(".psql.bin.gz.gpg"), backup.name
    assert backup.name in taken
    assert b"SessionNote" not in backup.read_bytes()  # encrypted: nothing readable
    assert b"@example.com" not in backup.read_bytes()

    drill["admin"](f'DROP DATABASE "{drill["name"]}" WITH (FORCE)')
    drill["admin"](f'CREATE DATABASE "{drill["name"]}"')
    run("manage.py", "restore")

    checked = json.loads(run("-m", "tests.support.drill", "verify", str(tmp / "before.json")))
    assert checked["problems"] == []
    assert checked["checked"] == before["counts"] | {"practice_backup": 1}
    assert before["counts"]["treatment_sessions_sessionnote"] > 0
    assert before["counts"]["treatment_sessions_noteamendment"] >= 2
    assert before["counts"]["clients_intakesubmission"] > 0
    assert before["counts"]["complaints_incident"] > 0
    assert len(before["kept_reports"]) >= 2
    assert before["counts"]["practice_auditevent"] > 0
    assert len(before["triggers"]) > 20
    # What a dispatcher was sending as the backup was taken may have gone out: it waits for
    # the practice, with the reason, and is not sent again by itself. Nothing else changed.
    assert len(before["in_flight"]) == 1
    assert set(before["in_flight"]) <= set(checked["held"])
    gap = set(checked["held"]) - set(before["in_flight"])
    assert gap <= set(before["scheduled"])  # due after the backup was taken (if any)
    assert set(checked["scheduled"]) == set(before["scheduled"]) - gap

    # What was still to send goes now, once.
    first = json.loads(run("-m", "tests.support.drill", "dispatch"))["sent"]
    mail = sent_mail(drill["mail"])
    assert first == len(mail) + sent_texts(tmp / "sms.log")
    recipients = [message["To"] for message in mail]
    assert recipients.count("robin.drill@example.com") == 1
    again = json.loads(run("-m", "tests.support.drill", "dispatch"))["sent"]
    assert again == 0
    assert len(sent_mail(drill["mail"])) == len(mail)

    run("-m", "tests.support.drill", "fingerprint", str(tmp / "after.json"))
    after = json.loads((tmp / "after.json").read_text())
    # Nothing sent before the backup went again, or changed.
    assert {pk: after["sent"][pk] for pk in before["sent"]} == before["sent"]
    newly_sent = set(after["sent"]) - set(before["sent"])
    assert len(newly_sent) == first
    assert newly_sent <= {str(pk) for pk in before["scheduled"]}
    assert not newly_sent & {str(pk) for pk in checked["held"]}
