"""Settings come from the environment; the embedded default needs no server."""
import json
import os
from pathlib import Path
import subprocess
import sys

from django.conf import settings
from django.db import connection
import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], "
    "'db': s.DATABASES['default']['ENGINE'], 'options': s.DATABASES['default'].get('OPTIONS', {}), "
    "'tz': s.TIME_ZONE, 'key': s.SECRET_KEY, 'languages': [c for c, _ in s.LANGUAGES]}))"
)


def probe(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TIME_ZONE")}
    clean.update(DJANGO_SETTINGS_MODULE="collections_site.settings", VAR_DIR=str(tmp_path), **env)
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_embedded_default_needs_no_server(tmp_path):
    config = probe(tmp_path)
    assert config["broker"] == "filesystem://"
    assert config["db"] == "django.db.backends.sqlite3"
    assert config["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in config["options"]["init_command"]
    assert config["tz"] == "Asia/Shanghai" and config["languages"] == ["zh-hans", "en"]
    assert "LocMemCache" in config["cache"]
    assert (tmp_path / "celery" / "queue").is_dir()


def test_embedded_broker_keeps_all_its_files_under_var():
    if settings.REDIS_URL:
        pytest.skip("embedded broker only")
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert Path(options[key]).is_relative_to(settings.VAR_DIR), key


def test_secret_key_is_generated_once_and_kept_under_var(tmp_path):
    first = probe(tmp_path)["key"]
    assert len(first) >= 50 and (tmp_path / "secret_key").read_text().strip() == first
    assert probe(tmp_path)["key"] == first
    assert probe(tmp_path, SECRET_KEY="from-the-environment")["key"] == "from-the-environment"


def test_redis_url_switches_broker_and_cache(tmp_path):
    config = probe(tmp_path, REDIS_URL="redis://127.0.0.1:6379/3", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")
    assert config["broker"] == "redis://127.0.0.1:6379/3"
    assert "RedisCache" in config["cache"]
    assert config["db"] == "django.db.backends.postgresql" and config["options"] == {}


def test_sqlite_runs_in_wal_mode(db):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"


def test_ci_really_runs_on_the_services():
    if not settings.REQUIRE_SERVICES:
        pytest.skip("only meaningful with REQUIRE_SERVICES=1")
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
