"""Every model change has its migration: a field's help text or label changed without one
would leave the next deploy's migrate behind the code."""

from io import StringIO

from django.core.management import call_command


def test_models_and_migrations_agree(db):
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as missing:
        raise AssertionError(f"a migration is missing:\n{out.getvalue()}") from missing
