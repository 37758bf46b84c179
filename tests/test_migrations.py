import uuid
from io import StringIO

from django.core.management import call_command


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit:
        raise AssertionError(f"Models changed without a migration:\n{out.getvalue()}") from None


def test_a_practice_without_an_address_takes_its_owners_for_replies(transactional_db):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = (
        [("practice", "0008_evidence_triggers")],
        [("practice", "0009_practice_email_from_owner")],
    )
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    practice = old.get_model("practice", "Practice").objects.create(name="Old", slug="old")
    user = old.get_model("practice", "User").objects.create(email="owner@example.com")
    old.get_model("practice", "Membership").objects.create(
        practice=practice, user=user, role="owner", public_id=uuid.uuid4()
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    from practice.models import Practice

    # Only the column this migration fills: later migrations add others.
    assert Practice.objects.values_list("email", flat=True).get(pk=practice.pk) == (
        "owner@example.com"
    )


def test_a_database_from_before_this_change_migrates_with_its_rows(transactional_db):
    """Migrate back to the last landed schema (follow-ups 0010, practice 0008, complaints
    0004), write rows
    there, and migrate forward again: the rows, rules and messages stay as they were."""
    import datetime

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor
    from django.utils import timezone

    executor = MigrationExecutor(connection)
    landed = [
        ("followups", "0010_invitations"),
        ("practice", "0008_evidence_triggers"),
        ("complaints", "0004_incident_recorded_by"),
        ("payments", None),  # money came later: none of its tables at that schema
    ]
    landed += [n for n in executor.loader.graph.leaf_nodes() if n[0] not in dict(landed)]
    executor.migrate(landed)
    old = executor.loader.project_state([node for node in landed if node[1]]).apps
    practice = old.get_model("practice", "Practice").objects.create(
        name="Landed", slug="landed", email="hello@landed.example"
    )
    client = old.get_model("clients", "Client").objects.create(
        practice=practice,
        first_name="Ada",
        last_name="Stone",
        public_id=uuid.uuid4(),
        undeliverable={},
        red_flags=[],
    )
    old.get_model("followups", "Rule").objects.create(
        practice=practice, kind="checkin", body="Hi {{ first_name }}", public_id=uuid.uuid4()
    )
    now = timezone.now()
    old.get_model("followups", "FollowUp").objects.create(
        practice=practice,
        client=client,
        kind="reminder",
        channel="email",
        due_at=now,
        expires_at=now + datetime.timedelta(days=1),
        idempotency_key="landed:1",
        public_id=uuid.uuid4(),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django_scopes import scopes_disabled

    from followups.models import FollowUp, Rule

    with scopes_disabled():
        rule = Rule.objects.get(practice_id=practice.pk)
        assert (rule.kind, rule.body, rule.text) == ("checkin", "Hi {{ first_name }}", "")
        assert FollowUp.objects.get(idempotency_key="landed:1").status == "scheduled"


def test_every_practice_keeps_its_fixed_form_as_version_one_with_its_answers(transactional_db):
    """A database at the schema before forms had versions (clients 0008), with a practice,
    a client and the answers they gave: migrated forward, the fixed form is the practice's
    version 1, the answers point at it and read as they did, and the consent and the
    policies the client ticked are agreements, in the words the form showed."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    before = [("clients", "0008_diagnosis_code")]
    before += [node for node in executor.loader.graph.leaf_nodes() if node[0] != "clients"]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    practice = old.get_model("practice", "Practice").objects.create(
        name="Landed", slug="landed", cancellation_policy="Two days' notice, please."
    )
    other = old.get_model("practice", "Practice").objects.create(name="Other", slug="other")
    client = old.get_model("clients", "Client").objects.create(
        practice=practice, first_name="Ada", last_name="Stone", public_id=uuid.uuid4()
    )
    given = {"first_name": "Ada", "conditions": ["blood_clots"], "allergies": "Latex"}
    given |= {"treatment_consent": True, "policies_accepted": True}
    old.get_model("clients", "IntakeSubmission").objects.create(
        practice=practice,
        client=client,
        version=1,
        via="link",
        answers=given,
        signed_name="Ada Stone",
        nonce="landed-1",
        public_id=uuid.uuid4(),
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django_scopes import scopes_disabled

    from clients import agreements, health
    from clients.models import Agreement, IntakeFormVersion, IntakeSubmission

    with scopes_disabled():
        first = IntakeFormVersion.objects.get(practice_id=practice.pk)
        assert IntakeFormVersion.objects.filter(practice_id=other.pk, number=1).exists()
        submission = IntakeSubmission.objects.get(nonce="landed-1")
        assert (first.number, first.questions) == (1, [])
        assert first.checklist == [
            {"key": c.key, "label": c.label, "level": c.level} for c in health.CONDITIONS
        ]
        assert submission.form_version == first
        assert submission.answers == {**given, "agreements": ["treatment", "cancellations"]}
        signed = agreements.agreed(submission)
        assert [(a["title"], agreed) for a, agreed in signed] == [
            ("Consent to treatment", True),
            ("Cancellations and arriving late", True),
        ]
        assert signed[0][0]["body"].startswith("I agree to massage treatment")
        assert signed[1][0]["body"].startswith("Two days' notice, please.\n\nIf you arrive")
        drafts = Agreement.objects.filter(practice_id=practice.pk)
        assert [a.published() for a in drafts] == first.agreements
        assert agreements.consented_to_treatment(submission)
        assert [c.key for c in submission.flagged_conditions()] == ["blood_clots"]
