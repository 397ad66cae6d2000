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


# A probe is a process outside the test run: it must not take the per-worker Redis
# database and var/ folder that a parallel run (pytest-xdist) gives each test process.
NOT_PASSED_ON = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "TIME_ZONE", "PYTEST_XDIST_WORKER")


def probe(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in NOT_PASSED_ON}
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
    config = probe(
        tmp_path, REDIS_URL="redis://127.0.0.1:6379/3", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
    )
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


SECURITY_PROBE = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name) for name in ('SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
    "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'CSRF_COOKIE_HTTPONLY', "
    "'X_FRAME_OPTIONS', 'SESSION_COOKIE_AGE', 'SESSION_TOUCH_SECONDS', 'SESSION_EXPIRE_AT_BROWSER_CLOSE', "
    "'AXES_FAILURE_LIMIT', 'OTP_REQUIRED_GROUPS')} | {'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), "
    "'cooloff_minutes': s.AXES_COOLOFF_TIME.total_seconds() / 60}))"
)
PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "collections.example.com",
    "SECRET_KEY": "k7#Qm2$vXp9!Lr4^Wz8&Tn3*Hb6(Jd1)Fs5_Gc0+Ye7-Ua2=Ro9~Ki4",
    "GATEWAY_WEBHOOK_SECRET": "receipts-only-9f8e7d6c5b4a39281706f5e4d3c2b1a0",
}
SECURITY_VARIABLES = (
    "DEBUG",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_PROXY_SSL_HEADER",
    "SESSION_COOKIE_AGE",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "OTP_REQUIRED_GROUPS",
    "ALLOWED_HOSTS",
    "GATEWAY_WEBHOOK_SECRET",
)


def _run(tmp_path, args, **env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in (*NOT_PASSED_ON, "DJANGO_ALLOW_ASYNC_UNSAFE", *SECURITY_VARIABLES)
    }
    clean.update(DJANGO_SETTINGS_MODULE="collections_site.settings", VAR_DIR=str(tmp_path), **env)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True)


def test_production_settings_pass_the_deploy_check(tmp_path):
    out = _run(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues (0 silenced)." in out.stdout
    assert "WARNINGS" not in out.stdout + out.stderr and "security.W" not in out.stdout + out.stderr


def test_production_without_a_webhook_secret_fails_the_deploy_check(tmp_path):
    without = {name: value for name, value in PRODUCTION.items() if name != "GATEWAY_WEBHOOK_SECRET"}
    out = _run(tmp_path, ["manage.py", "check", "--deploy"], **without)
    assert out.returncode != 0
    assert "contacts.E001" in out.stdout + out.stderr
    assert not (tmp_path / "gateway_webhook_secret").exists()  # none made up for production


def test_production_is_secure_by_default(tmp_path):
    out = _run(tmp_path, ["-c", SECURITY_PROBE], **PRODUCTION)
    config = json.loads(out.stdout.strip().splitlines()[-1])
    assert config["SECURE_SSL_REDIRECT"] and config["SESSION_COOKIE_SECURE"] and config["CSRF_COOKIE_SECURE"]
    assert config["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600 and config["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert config["CSRF_COOKIE_HTTPONLY"] and config["X_FRAME_OPTIONS"] == "DENY"
    assert config["SESSION_COOKIE_AGE"] == 30 * 60 and config["SESSION_TOUCH_SECONDS"] == 60
    assert config["SESSION_EXPIRE_AT_BROWSER_CLOSE"]
    assert config["AXES_FAILURE_LIMIT"] == 5 and config["cooloff_minutes"] == 30
    assert config["OTP_REQUIRED_GROUPS"] == ["Supervisor", "Compliance reviewer", "Administrator"]
    assert config["proxy"] is None


def test_local_http_and_proxy_are_configurable(tmp_path):
    local = json.loads(_run(tmp_path, ["-c", SECURITY_PROBE], DEBUG="true").stdout.strip().splitlines()[-1])
    assert not local["SECURE_SSL_REDIRECT"] and not local["SESSION_COOKIE_SECURE"] and local["SECURE_HSTS_SECONDS"] == 0
    behind_proxy = _run(
        tmp_path,
        ["-c", SECURITY_PROBE],
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        SESSION_COOKIE_AGE="900",
        AXES_FAILURE_LIMIT="3",
        **PRODUCTION,
    )
    config = json.loads(behind_proxy.stdout.strip().splitlines()[-1])
    assert config["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert config["SESSION_COOKIE_AGE"] == 900 and config["AXES_FAILURE_LIMIT"] == 3
