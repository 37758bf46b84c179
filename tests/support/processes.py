"""Real services of a test's own: a throwaway redis-server and Celery workers, started and
killed by the test."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

REDIS_SERVER = shutil.which("redis-server")
CELERY = str(Path(sys.executable).with_name("celery"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"nothing answered on port {port}")


class OwnRedis:
    """A redis-server of the test's own, on a port nobody else uses."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def database_url_of_this_test():
    """The URL of the database this test runs in, for a process of its own."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or "5432"
    return f"postgres://{user}@{host}:{port}/{db['NAME']}"


class Worker:
    """A real Celery worker process on the test's database and broker."""

    def __init__(self, broker_url, **environment):
        self.environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "practice.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url_of_this_test(),
            "REDIS_URL": broker_url,
            **{name: str(value) for name, value in environment.items()},
        }
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "practice",
                "worker",
                "--pool=solo",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "--loglevel=WARNING",
            ],
            cwd=settings.BASE_DIR,
            env=self.environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def kill(self):
        """SIGKILL: no clean-up, as when the machine or the OOM killer takes it."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
