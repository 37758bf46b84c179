"""Settings come from the environment and are safe when DEBUG is off."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


# Set for the test run (or the browser tests) and not wanted in a fresh `manage.py`.
UNSET = {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "SECURE_SSL_REDIRECT", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env):
    environment = {key: value for key, value in os.environ.items() if key not in UNSET}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off():
    result = manage("check", DEBUG="0")

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_the_deployment_checklist_is_clean_with_real_values():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="practice.example.com",
        BACKUP_GPG_RECIPIENT="backups@practice.example",
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_runs_on_a_development_key():
    result = manage("check", DEBUG="1")

    assert result.returncode == 0, result.stderr
