"""Trigram indexes for the client search on PostgreSQL (icontains becomes an index lookup).

The search compares UPPER(column) LIKE '%text%' (first name, last name, e-mail) and
mobile LIKE '%digits%'; pg_trgm GIN indexes on exactly those expressions serve it.
SQLite (development) has no such index and needs none.
"""

from django.db import migrations

COLUMNS = {
    "client_search_first_name": "UPPER(first_name::text)",
    "client_search_last_name": "UPPER(last_name::text)",
    "client_search_email": "UPPER(email::text)",
    "client_search_mobile": "mobile",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, expression in COLUMNS.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON clients_client "
            f"USING gin (({expression}) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_dashboard_indexes")]

    operations = [migrations.RunPython(create, drop)]
