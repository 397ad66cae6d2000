"""Trigram indexes for finding borrowers by any part of their name and accounts by part
of their loan number (cases/search.py). PostgreSQL only: SQLite, the embedded default,
scans its small book."""

from django.db import migrations

INDEXES = {
    "borrower_name_trigram": ("cases_borrower", "full_name"),
    "account_loan_number_trigram": ("cases_loanaccount", "loan_number"),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, (table, column) in INDEXES.items():
        # On the expression Django's case-insensitive lookups compare (icontains: UPPER(col::text)).
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("cases", "0018_debt_advice_templates_and_roles")]
    operations = [migrations.RunPython(create, drop)]
