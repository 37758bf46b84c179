"""How long the incident report takes to render (for `make bench`, not a test)."""

import datetime
import time
import tracemalloc

import weasyprint
from django.db import transaction
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from clients.models import Client
from complaints import reports
from complaints.models import Incident
from practice.models import Membership, Practice, User
from sessions import services as session_services
from sessions.models import Appointment, NoteArea, SessionNote


def plain_document(pages):
    """A text-heavy document of exactly `pages` A4 pages in the report's font and size: the
    floor for the report (what WeasyPrint itself takes for that much text)."""
    sentence = (
        "The client reported soreness in the lower back after the session and was advised "
        "to rest, apply heat and call if it did not ease within two days. "
    )
    page = "".join(f"<p>{sentence * 3}</p>" for _ in range(9))
    sections = "".join(f'<section class="page">{page}</section>' for _ in range(pages))
    return (
        "<!doctype html><html><head><style>@page { size: A4; margin: 18mm } "
        'body { font-family: "DejaVu Sans", sans-serif; font-size: 9.5pt; line-height: 1.4 } '
        ".page { page-break-after: always } .page:last-child { page-break-after: auto }"
        f"</style></head><body>{sections}</body></html>"
    )


def plain_times(pages, repeat=3):
    """Seconds of each of `repeat` renders of plain_document(pages) to PDF bytes, and its
    page count: the two steps every PDF of the app takes (practice/pdf.py), the layout and
    the writing of the PDF, as the report's own time counts them."""
    html, timings, count = plain_document(pages), [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        document = weasyprint.HTML(string=html).render()
        document.write_pdf()
        count = len(document.pages)
        timings.append(time.perf_counter() - started)
    return timings, count


def peak_memory(render):
    """The Python heap's peak while `render()` runs, in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        render()
        return round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
    finally:
        tracemalloc.stop()


def report_times(sizes=(10, 50), repeat=3):
    """{size: {"seconds": [each of `repeat` renders], "pages": n, "peak_mb": heap peak}}
    for an incident report with that many sessions.

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
                peak = peak_memory(lambda incident=incident: reports.render_pdf(incident))
            transaction.set_rollback(True)  # leave nothing behind
        results[size] = {"seconds": timings, "pages": pages, "peak_mb": peak}
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
