"""How long the incident report takes to render (for `make bench`, not a test)."""

import datetime
import time

from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from complaints import reports
from complaints.models import Incident
from practice.models import Membership, Practice, User
from sessions import services as session_services
from sessions.models import Appointment, NoteArea, SessionNote


def report_times(sizes=(10, 50), repeat=3):
    """{size: (seconds of each of `repeat` renders, pages)} for an incident report with that
    many sessions.

    Everything is made inside a transaction that is rolled back."""
    results = {}
    for size in sizes:
        with scopes_disabled(), transaction.atomic():
            incident = seed(size)
            with scope(practice=incident.practice):
                timings, pages = [], 0
                for _ in range(repeat):
                    started = time.perf_counter()
                    _, pages = reports.render_pdf(incident)
                    timings.append(time.perf_counter() - started)
            transaction.set_rollback(True)  # leave nothing behind
        results[size] = (timings, pages)
    return results


def seed(size):
    practice = Practice.objects.create(name="Benchmark practice (temporary)")
    user = User.objects.create_user(f"bench-{timezone.now().timestamp()}@example.com")
    membership = Membership.objects.create(practice=practice, user=user, role="owner")
    client = Client.objects.create(practice=practice, first_name="Bench", last_name="Client")
    incident = Incident.objects.create(practice=practice, client=client, symptoms="Pain.")
    start = timezone.now() - datetime.timedelta(days=7 * size)
    for n in range(size):
        appointment = Appointment.objects.create(
            practice=practice,
            client=client,
            status=Appointment.Status.COMPLETED,
            start=start + datetime.timedelta(days=7 * n),
        )
        note = SessionNote.objects.create(
            practice=practice,
            appointment=appointment,
            client=client,
            subjective="Tight lower back after running.",
            assessment="Lumbar tension.",
            consent_confirmed=True,
        )
        for region in ("lower_back", "neck", "calf"):
            NoteArea.objects.create(
                practice=practice, note=note, region=region, pressure=3, max_pain=4
            )
        session_services.sign_note(note, membership)
        incident.sessions.add(appointment)
    return incident
