"""A load run on loopback (for `make bench`, not a test).

Starts gunicorn with several workers on the configured database, then lets simulated
users (threads, each with its own signed-in session) browse the dashboard and send the
public intake form for a fixed time. Reports requests, errors and latency percentiles.
"""

import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from django.conf import settings

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'name="nonce" value="([^"]+)"')


@dataclass
class Tally:
    latencies: dict = field(default_factory=dict)  # kind -> [seconds]
    errors: list = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind, seconds, problem=None):
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if problem:
                self.errors.append(f"{kind}: {problem}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(port, workers):
    env = os.environ | {
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "RATELIMIT_ENABLE": "0",  # every simulated user comes from 127.0.0.1
        "LOG_LEVEL": "WARNING",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own interpreter's gunicorn, fixed arguments
        [
            str(gunicorn),
            "practice.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/health/", timeout=5).ok:
                return server, base
        except requests.RequestException:  # not listening yet, or still starting
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not start within a minute")


def sign_in(base, email, password):
    """One simulated user's signed-in session (before the clock starts: hashing a password
    is deliberately slow, and fifty at once is not what is being measured)."""
    session = requests.Session()
    page = session.get(f"{base}/accounts/login/", timeout=120)
    token = CSRF.search(page.text).group(1)
    done = session.post(
        f"{base}/accounts/login/",
        {"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=120,
        allow_redirects=False,
    )
    if done.status_code != 302 or "/accounts/login/" in done.headers.get("Location", ""):
        raise RuntimeError("a simulated user could not sign in")
    return session


def simulated_user(number, session, base, slug, until, tally):
    try:
        browse(number, session, base, slug, until, tally)
    except Exception as error:  # a broken page must show up as an error, not a quiet thread
        tally.add("crash", 0.0, repr(error))


def browse(number, session, base, slug, until, tally):
    visitor = requests.Session()
    step = 0
    while time.monotonic() < until:
        step += 1
        if step % 3:
            timed(tally, "dashboard", lambda: session.get(f"{base}/dashboard/", timeout=30))
            continue
        form_url = f"{base}/p/{slug}/new-client/"
        page = timed(tally, "intake form GET", lambda url=form_url: visitor.get(url, timeout=30))
        if page is None:
            continue
        answers = {
            "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            "nonce": NONCE.search(page.text).group(1),
            "first_name": "Load",
            "last_name": f"Visitor{number}",
            "email": f"load-{number}-{step}@example.com",
            "mobile": "07911 123456",
            "emergency_contact_name": "Sam Visitor",
            "emergency_contact_phone": "07400 123456",
            "preferred_channel": "email",
            "pain_area_1": "Neck",
            "pain_level_1": "4",
            "agree_cancellations": "on",
            "agree_treatment": "on",
            "signed_name": f"Load Visitor{number}",
        }
        timed(
            tally,
            "intake form POST",
            lambda answers=answers, url=form_url: visitor.post(
                url,
                answers,
                headers={"Referer": url},
                timeout=30,
                allow_redirects=False,
            ),
            expect=302,
        )


def timed(tally, kind, request, expect=200):
    started = time.perf_counter()
    try:
        response = request()
    except requests.RequestException as error:
        tally.add(kind, time.perf_counter() - started, str(error))
        return None
    elapsed = time.perf_counter() - started
    problem = None if response.status_code == expect else f"HTTP {response.status_code}"
    tally.add(kind, elapsed, problem)
    return None if problem else response


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def load_run(practice, email, password, users=50, seconds=60, workers=4):
    port = free_port()
    server, base = start_server(port, workers)
    tally = Tally()
    try:
        sessions = [sign_in(base, email, password) for _ in range(users)]
        until = time.monotonic() + seconds
        threads = [
            threading.Thread(
                target=simulated_user,
                args=(n, sessions[n], base, practice.slug, until, tally),
                daemon=True,
            )
            for n in range(users)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(seconds + 60)
        stuck = sum(thread.is_alive() for thread in threads)
        if stuck:
            tally.errors.append(f"{stuck} simulated users still waiting at the end")
    finally:
        server.terminate()
        server.wait(10)
    summary = {
        "users": users,
        "seconds": seconds,
        "gunicorn_workers": workers,
        "errors": len(tally.errors),
        "first_errors": tally.errors[:5],
        "requests": {},
    }
    for kind, values in tally.latencies.items():
        summary["requests"][kind] = {
            "count": len(values),
            "per_second": round(len(values) / seconds, 1),
            "p50_ms": round(percentile(values, 0.5) * 1000, 1),
            "p95_ms": round(percentile(values, 0.95) * 1000, 1),
        }
    return summary
