"""Signed notes, amendments, signed incident statements, kept insurer reports and the audit
trail hold in the database too: raw SQL, bypassing the app and the admin, cannot change or
delete them (PostgreSQL triggers, django-pgtrigger). The retention purge is the one way."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from clients import erasure
from clients.models import Client
from clients.tasks import purge_erased
from complaints.models import Incident, IncidentAmendment, IncidentReport, IncidentSession
from complaints.services import sign_statement
from practice.models import AuditEvent, Membership
from sessions import services
from sessions.models import NoteAmendment, NoteArea, NoteTechnique, SessionNote, Technique

from ..factories import IncidentFactory, SessionNoteFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's"
)


def sql(model, statement):
    return statement.format(table=model._meta.db_table)


def refused(statement, *params, guard=False):
    """Run raw SQL in a savepoint with constraints checked at once; return the database's
    refusal, or None if it let it through. With `guard`, as on any database but a test one
    (see practice/evidence.py)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            if guard:
                cursor.execute("SET LOCAL practice.evidence_guard = 'on'")
            cursor.execute(statement, params)
    except DatabaseError as error:
        return str(error)
    return None


@pytest.fixture
def evidence(practice, owner):
    membership = Membership.objects.get(user=owner)
    note = SessionNoteFactory(
        appointment__client__practice=practice,
        appointment__start=timezone.now() - datetime.timedelta(days=2),
        subjective="Shoulder sore.",
    )
    services.sign_note(note, membership)
    incident = IncidentFactory(client=note.client, statement="I stopped at once.")
    sign_statement(incident, membership)
    report = IncidentReport.objects.create(
        practice=practice, incident=incident, pdf=b"%PDF-1.7 kept", sha256="ab" * 32
    )
    event = AuditEvent.objects.create(practice=practice, user=owner, action="view", what="x")
    return note, incident, report, event


def test_raw_sql_cannot_change_or_delete_signed_records(evidence):
    note, incident, report, event = evidence
    attempts = {
        "edit a signed note": (
            sql(SessionNote, "UPDATE {table} SET subjective = 'Never sore.' WHERE id = %s"),
            note.pk,
        ),
        "unsign a note": (
            sql(SessionNote, "UPDATE {table} SET signed_at = NULL WHERE id = %s"),
            note.pk,
        ),
        "delete a signed note": (sql(SessionNote, "DELETE FROM {table} WHERE id = %s"), note.pk),
        "rewrite a signed statement": (
            sql(Incident, "UPDATE {table} SET statement = 'Nothing happened.' WHERE id = %s"),
            incident.pk,
        ),
        "delete a signed incident": (
            sql(Incident, "DELETE FROM {table} WHERE id = %s"),
            incident.pk,
        ),
        "swap a kept report's PDF": (
            sql(IncidentReport, "UPDATE {table} SET pdf = 'x'::bytea WHERE id = %s"),
            report.pk,
        ),
        "delete a kept report": (
            sql(IncidentReport, "DELETE FROM {table} WHERE id = %s"),
            report.pk,
        ),
        "edit the audit trail": (
            sql(AuditEvent, "UPDATE {table} SET what = 'nothing' WHERE id = %s"),
            event.pk,
        ),
        "delete from the audit trail": (
            sql(AuditEvent, "DELETE FROM {table} WHERE id = %s"),
            event.pk,
        ),
    }

    let_through = [name for name, (sql, pk) in attempts.items() if refused(sql, pk) is None]

    assert let_through == []
    note.refresh_from_db()
    assert note.subjective == "Shoulder sore." and note.verify()


def test_what_may_still_change_does(evidence):
    note, incident, report, _ = evidence
    # An incident's progress and a report's delivery are not the evidence itself.
    assert (
        refused(sql(Incident, "UPDATE {table} SET status = 'closed' WHERE id = %s"), incident.pk)
        is None
    )
    assert (
        refused(sql(IncidentReport, "UPDATE {table} SET status = 'sent' WHERE id = %s"), report.pk)
        is None
    )
    # A draft is a draft.
    draft = SessionNoteFactory(appointment__client=note.client)
    assert (
        refused(sql(SessionNote, "UPDATE {table} SET subjective = 'x' WHERE id = %s"), draft.pk)
        is None
    )


@pytest.mark.django_db(transaction=True)
def test_an_amendment_through_the_app_commits_and_a_bare_edit_does_not(practice, owner):
    membership = Membership.objects.get(user=owner)
    note = SessionNoteFactory(appointment__client__practice=practice, subjective="Sore.")
    services.sign_note(note, membership)

    def change(n):
        SessionNote.objects.filter(pk=n.pk).update(subjective="Sore, left side.")

    amendment = services.amend_note(note, membership, "Named the side.", change)

    note.refresh_from_db()
    assert note.subjective == "Sore, left side." and note.verify()
    assert NoteAmendment.objects.get() == amendment
    # The check runs at commit:
    with pytest.raises(DatabaseError, match="only with an amendment"), transaction.atomic():
        SessionNote.objects.filter(pk=note.pk).update(subjective="Fine.")
    note.refresh_from_db()
    assert note.subjective == "Sore, left side."


def test_the_retention_purge_is_the_one_way_out_and_is_in_the_trail(evidence, practice):
    note, incident, _, event = evidence
    client = note.client
    erasure.erase_client(client)
    Client.objects.filter(pk=client.pk).update(retain_until=datetime.date(2020, 1, 1))

    assert purge_erased() == 1

    assert not SessionNote.objects.filter(pk=note.pk).exists()
    assert not Incident.objects.filter(pk=incident.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()  # the trail itself stays
    assert AuditEvent.objects.filter(practice=practice, what__startswith="purged").exists()


def test_truncate_cannot_empty_the_evidence(evidence):
    tables = [AuditEvent, NoteAmendment, SessionNote, NoteArea, NoteTechnique]
    tables += [Incident, IncidentAmendment, IncidentReport, IncidentSession]

    let_through = [
        model.__name__
        for model in tables
        if refused(sql(model, "TRUNCATE {table} CASCADE"), guard=True) is None
    ]

    assert let_through == []
    assert AuditEvent.objects.count() == 1
    # A test database may be emptied between tests when the guard is not asked for.
    assert refused(sql(AuditEvent, "TRUNCATE {table} CASCADE")) is None


@pytest.fixture
def signed_with_parts(practice, owner):
    membership = Membership.objects.get(user=owner)
    note = SessionNoteFactory(appointment__client__practice=practice, subjective="Neck.")
    NoteArea.objects.create(practice=practice, note=note, region="neck", pressure=3, max_pain=4)
    deep = Technique.objects.create(practice=practice, name="Deep tissue")
    Technique.objects.create(practice=practice, name="Stretching")
    note.techniques.add(deep)
    services.sign_note(note, membership)
    return note


@pytest.mark.django_db(transaction=True)  # signed in a transaction of its own, as in use
def test_raw_sql_cannot_change_a_signed_note_s_areas_or_techniques(signed_with_parts):
    note = signed_with_parts
    area = note.areas.get()
    stretching = Technique.objects.get(name="Stretching")
    attempts = {
        "lower the pain of an area": (
            sql(NoteArea, "UPDATE {table} SET max_pain = 1 WHERE id = %s"),
            area.pk,
        ),
        "remove an area": (sql(NoteArea, "DELETE FROM {table} WHERE id = %s"), area.pk),
        "add an area": (
            sql(
                NoteArea,
                "INSERT INTO {table} (practice_id, note_id, region, side, aspect, tension) "
                "SELECT practice_id, id, 'back', 'both', 'back', '' FROM "
                "treatment_sessions_sessionnote WHERE id = %s",
            ),
            note.pk,
        ),
        "remove a technique": (
            sql(NoteTechnique, "DELETE FROM {table} WHERE sessionnote_id = %s"),
            note.pk,
        ),
        "add a technique": (
            sql(
                NoteTechnique, "INSERT INTO {table} (sessionnote_id, technique_id) VALUES (%s, %s)"
            ),
            note.pk,
            stretching.pk,
        ),
    }

    let_through = [
        name
        for name, (statement, *params) in attempts.items()
        if refused(statement, *params) is None
    ]

    assert let_through == []
    note.refresh_from_db()
    assert note.verify()


@pytest.mark.django_db(transaction=True)
def test_an_amendment_may_change_the_areas_and_techniques(practice, owner):
    membership = Membership.objects.get(user=owner)
    note = SessionNoteFactory(appointment__client__practice=practice, subjective="Neck.")
    NoteArea.objects.create(practice=practice, note=note, region="neck", pressure=3, max_pain=4)
    stretching = Technique.objects.create(practice=practice, name="Stretching")
    services.sign_note(note, membership)  # areas written before, in another transaction

    def change(n):
        n.areas.update(max_pain=6)
        n.techniques.add(stretching)

    services.amend_note(note, membership, "Pain was 6, not 4; stretched too.", change)

    note.refresh_from_db()
    assert note.areas.get().max_pain == 6 and note.verify()
    with pytest.raises(DatabaseError, match="only with an amendment"), transaction.atomic():
        note.techniques.clear()
    assert note.techniques.count() == 1


def test_raw_sql_cannot_change_what_a_signed_incident_says_happened(evidence):
    _, incident, _, _ = evidence
    attempts = [
        sql(Incident, "UPDATE {table} SET symptoms = 'Nothing at all' WHERE id = %s"),
        sql(Incident, "UPDATE {table} SET severity = 'severe', onset_at = now() WHERE id = %s"),
        sql(Incident, "UPDATE {table} SET client_id = client_id + 1 WHERE id = %s"),
    ]

    assert [statement for statement in attempts if refused(statement, incident.pk) is None] == []
    assert (
        refused(
            sql(Incident, "UPDATE {table} SET claim_reference = 'C1' WHERE id = %s"), incident.pk
        )
        is None
    )  # the claim's progress is not evidence


@pytest.mark.django_db(transaction=True)
def test_raw_sql_cannot_change_the_sessions_of_a_signed_incident(practice, owner):
    membership = Membership.objects.get(user=owner)
    note = SessionNoteFactory(appointment__client__practice=practice)
    incident = IncidentFactory(client=note.client, statement="I stopped at once.")
    incident.sessions.add(note.appointment)
    sign_statement(incident, membership)
    other = SessionNoteFactory(appointment__client=note.client).appointment

    assert refused(sql(IncidentSession, "DELETE FROM {table} WHERE incident_id = %s"), incident.pk)
    assert refused(
        sql(IncidentSession, "INSERT INTO {table} (incident_id, appointment_id) VALUES (%s, %s)"),
        incident.pk,
        other.pk,
    )
    assert list(incident.sessions.all()) == [note.appointment]
