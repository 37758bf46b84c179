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

    assert Practice.objects.get(pk=practice.pk).email == "owner@example.com"
