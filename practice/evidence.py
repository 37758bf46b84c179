"""Database rules shared by every table that holds evidence (signed notes and their parts,
amendments, signed incidents, kept reports, the audit trail).

Row triggers do not fire on TRUNCATE, which empties a table in one statement, so each such
table also refuses TRUNCATE with a statement trigger. A test database (Django names it
`test_…`, which only the database's owner could rename another to) may still be emptied
between tests, unless the session asks for the guard as everywhere else
(`SET practice.evidence_guard = 'on'`, which the tests of the guard do); no other
database may.
"""

import pgtrigger

GUARDED = (
    r"current_database() NOT LIKE 'test\_%' "
    "OR current_setting('practice.evidence_guard', true) = 'on'"
)


def no_truncate(name):
    """A trigger that refuses TRUNCATE of its table outside a test database."""
    return pgtrigger.Trigger(
        name=name,
        level=pgtrigger.Statement,
        when=pgtrigger.Before,
        operation=pgtrigger.Truncate,
        func=pgtrigger.Func(
            f"IF {GUARDED} THEN "
            "RAISE EXCEPTION 'Evidence cannot be emptied: % refuses TRUNCATE.', TG_TABLE_NAME; "
            "END IF; RETURN NULL;"
        ),
    )
