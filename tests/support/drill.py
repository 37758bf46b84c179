"""The restore drill's steps, each run in a process of its own on the drill's database
(`python -m tests.support.drill STEP FILE`), as an operator would run them on a server:

- `seed`: a practice with a year of history, notes signed and amended, kept reports, an
  online booking and a held time, and messages in every state, some due now;
- `fingerprint`: what the database holds, written to FILE as JSON;
- `verify`: after the restore, checks the database against FILE's fingerprint;
- `dispatch`: sends what is due (through the file mail backend and the text log the
  test reads) and prints how many went.
"""

import datetime
import hashlib
import json
import sys
import uuid

import django


def seed():
    from django_scopes import scope

    from complaints.models import Incident, IncidentReport
    from complaints.services import make_report
    from followups.models import FollowUp
    from practice.models import AuditEvent, Membership
    from practice.tooling import seeding
    from sessions import availability, booking
    from sessions.models import SessionNote
    from sessions.services import amend_note

    made = seeding.seed_practices(1, clients=40, years=1)
    practice = made.practices[0]
    service = seeding.open_for_booking(practice)
    with scope(practice=practice):
        owner = Membership.objects.get(practice=practice, role=Membership.Role.OWNER)
        for note in SessionNote.objects.filter(signed_at__isnull=False).order_by("pk")[:2]:

            def change(note):
                note.assessment += " Checked again on the phone the day after."
                note.save()

            amend_note(note, owner, "Added what the client said on the phone.", change)
        for incident in Incident.objects.order_by("pk")[:2]:
            make_report(incident, owner.user, status=IncidentReport.Status.KEPT)
        for client in practice.clients.order_by("pk")[:5]:  # the trail of a morning's work
            for action in (AuditEvent.Action.VIEW, AuditEvent.Action.EXPORT):
                AuditEvent.objects.create(
                    practice=practice,
                    user=owner.user,
                    client=client,
                    action=action,
                    what="client record and health answers",
                )
        # An online booking (its confirmation due now) and a time held for a stranger
        # (its "confirm your booking" e-mail due now).
        client = practice.clients.filter(email_consent=True).order_by("pk").first()
        first = availability.next_free(practice, service)[0].start
        booking.book(practice, service, first, client, via="online")
        second = availability.next_free(practice, service)[0].start
        booking.hold_from_page(
            practice,
            service,
            second,
            {
                "first_name": "Robin",
                "last_name": "Drill",
                "email": "robin.drill@example.com",
                "mobile": "",
                "preferred_channel": "email",
            },
        )
        # A message a dispatcher was sending at the moment of the backup.
        in_flight = FollowUp.objects.filter(status=FollowUp.Status.SCHEDULED).order_by("pk")[0]
        FollowUp.objects.filter(pk=in_flight.pk).update(
            status=FollowUp.Status.SENDING,
            due_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1),
            lease_until=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30),
            lease_token=uuid.uuid4(),
        )
        due = FollowUp.objects.filter(
            status=FollowUp.Status.SCHEDULED, due_at__lte=datetime.datetime.now(datetime.UTC)
        ).count()
    print(json.dumps({"practice": practice.pk, "due": due}))


def fingerprint():
    """Every table's rows counted, the messages by state, the evidence's hashes and the
    database's own triggers."""
    from django.db import connection

    from complaints.models import IncidentReport
    from followups.models import FollowUp
    from followups.services import RESTORE_HELD
    from practice.models import AuditEvent
    from sessions.models import SessionNote

    with connection.cursor() as cursor:
        counts = {}
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - our own tables
            counts[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal ORDER BY 1, 2"
        )
        triggers = [list(row) for row in cursor.fetchall()]
    rows = FollowUp._base_manager.values_list("pk", "status", "sent_at", "channel")
    audit = AuditEvent._base_manager.order_by("pk").values_list("pk", "action", "at", "what")
    return {
        "counts": counts,
        "triggers": triggers,
        "sent": {str(pk): sent.isoformat() for pk, status, sent, _ in rows if status == "sent"},
        "scheduled": sorted(pk for pk, status, _, _ in rows if status == "scheduled"),
        "in_flight": sorted(pk for pk, status, _, _ in rows if status == "sending"),
        "held": sorted(
            FollowUp._base_manager.filter(last_error=RESTORE_HELD).values_list("pk", flat=True)
        ),
        "signed_notes": SessionNote._base_manager.filter(signed_at__isnull=False).count(),
        "amended_notes": SessionNote._base_manager.filter(amendments__isnull=False)
        .distinct()
        .count(),
        "kept_reports": {
            str(pk): sha for pk, sha in IncidentReport._base_manager.values_list("pk", "sha256")
        },
        "audit": hashlib.sha256(repr(list(audit)).encode()).hexdigest(),
    }


def verify(before):
    """Compare with the fingerprint taken before the backup; print what differs (nothing
    when the restore is whole)."""
    from django.db import DatabaseError, connection, transaction

    from complaints.models import IncidentReport
    from sessions.models import SessionNote

    now = fingerprint()
    problems = []
    # The backup's own row is in its dump (it marks the moment the backup was taken).
    before = {**before, "counts": {**before["counts"]}}
    before["counts"]["practice_backup"] += 1
    for key in ("counts", "triggers", "sent", "kept_reports", "audit"):
        if now[key] != before[key]:
            problems.append(f"{key} differs")
    notes = SessionNote._base_manager.filter(signed_at__isnull=False)
    broken = [
        note.pk for note in notes.prefetch_related("areas", "techniques") if not note.verify()
    ]
    if broken or notes.count() != before["signed_notes"]:
        problems.append(f"signed notes that do not verify: {broken}")
    for report in IncidentReport._base_manager.exclude(sha256=""):
        if hashlib.sha256(bytes(report.pdf)).hexdigest() != report.sha256:
            problems.append(f"kept report {report.pk} does not match its SHA-256")
    for statement in (
        "UPDATE practice_auditevent SET what = 'changed' WHERE id = (SELECT min(id) FROM "
        "practice_auditevent)",
        "DELETE FROM practice_auditevent",
        "TRUNCATE practice_auditevent",
        "UPDATE complaints_incidentreport SET sha256 = 'x' WHERE sha256 <> ''",
        "TRUNCATE sessions_sessionnote CASCADE",
    ):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement)
        except DatabaseError:
            continue
        problems.append(f"the database allowed: {statement}")
    print(json.dumps({"problems": problems, "checked": now["counts"], **now}))


def dispatch():
    from followups.dispatch import dispatch as send_due

    print(json.dumps({"sent": send_due(time_budget=120)}))


def main():
    django.setup()
    from django_scopes import scopes_disabled

    step, path = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
    if step == "seed":
        seed()
        return
    with scopes_disabled():  # the operator's view: every practice
        run(step, path)


def run(step, path):
    if step == "fingerprint":
        with open(path, "w", encoding="utf-8") as file:
            json.dump(fingerprint(), file)
    elif step == "verify":
        with open(path, encoding="utf-8") as file:
            verify(json.load(file))
    elif step == "dispatch":
        dispatch()
    else:
        raise SystemExit(f"unknown step {step}")


if __name__ == "__main__":
    main()
