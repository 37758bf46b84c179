"""CI runs the suite as the app should run in production: as a PostgreSQL role that is
not a superuser, which could switch the evidence triggers off (README, Deploying)."""

import os

import pytest
from django.db import DatabaseError, connection, transaction

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's")


@pytest.mark.skipif(not os.environ.get("CI"), reason="CI sets up its role (.ci/run)")
def test_ci_runs_the_suite_as_a_role_that_is_no_superuser(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        assert cursor.fetchone() == (False,)


@pytest.mark.skipif(not os.environ.get("CI"), reason="CI sets up its role (.ci/run)")
def test_such_a_role_cannot_bypass_the_triggers_by_replication(db):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
