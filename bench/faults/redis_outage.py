"""
Fault 2: Redis (cache and broker) stopped for 30 s while the site is in use.

Django's own server, a Celery worker and beat run on the private Redis; a logged-in
collector requests the desk queue and a case page continuously and logs a contact now and
then; reminders fall due in the middle of the outage. Redis is stopped for ``outage``
seconds and started again. Pass: no page failed (a 5xx, a refused connection, a logout),
the worker and beat reconnected by themselves (no restart), and every reminder that fell
due during the outage was sent afterwards by beat's next dispatch sweep.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
import re
import threading
import time

from .servers import PYTHON, VAR, kill_group, run_step, spawn, wait_port

DATABASE = "faults_redis"
REDIS_PASSWORD = "faults-Outage-2026"  # noqa: S105 (a private database's throwaway login)
REDIS_MESSAGES = 50  # reminders that fall due during the outage


def run(cluster, redis, *, outage: float, web_port: int, log: Path) -> dict:
    import requests

    env = {
        "DATABASE_URL": cluster.url(DATABASE),
        "REDIS_URL": redis.url,
        "OUTBOX_DIR": str(VAR / "outbox-redis"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Production settings (DEBUG off) over plain HTTP: the site is on 127.0.0.1, not behind TLS.
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
    }
    prepared = run_step(env, "redis_prepare")
    base = f"http://127.0.0.1:{web_port}"
    processes = {
        "web": spawn([PYTHON, "manage.py", "runserver", f"127.0.0.1:{web_port}", "--noreload"], env=env, log=log),
        "worker": spawn(
            [PYTHON, "-m", "celery", "-A", "collections_site", "worker", "--concurrency=1", "--loglevel=info"],
            env=env,
            log=log,
        ),
        "beat": spawn(
            [
                PYTHON,
                "-m",
                "celery",
                "-A",
                "collections_site",
                "beat",
                "--loglevel=info",
                "--schedule",
                str(VAR / "celerybeat-redis"),
            ],
            env=env,
            log=log,
        ),
    }
    pages = {
        "served": 0,
        "failed": 0,
        "during_outage_served": 0,
        "during_outage_failed": 0,
        "contacts_logged": 0,
        "failures": [],
    }
    state = {"outage": False, "stop": False}
    try:
        wait_port(web_port, timeout=120)
        session = _login(requests.Session(), base, prepared["username"])
        case_page = f"{base}/desk/cases/{prepared['case_id']}/"
        form = _log_form(session, case_page)

        def client() -> None:
            n = 0
            while not state["stop"]:
                n += 1
                for url in (f"{base}/desk/queue/", case_page):
                    _count(pages, state, lambda url=url: session.get(url, timeout=30, allow_redirects=False), ok=(200,))
                if n % 5 == 0:  # a contact logged now and then: a write, with its audit rows
                    data = {**form, "csrfmiddlewaretoken": session.cookies.get("csrftoken")}
                    if (
                        _count(
                            pages, state, partial(_post, session, f"{case_page}contact/", data, case_page), (302, 409)
                        )
                        == 302
                    ):
                        pages["contacts_logged"] += 1
                time.sleep(0.2)

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        time.sleep(15)  # the site warm, beat ticking
        redis.stop()
        stopped_at = time.monotonic()
        state["outage"] = True
        # Reminders fall due in the middle of the outage.
        time.sleep(outage / 2)
        ids = ",".join(str(i) for i in prepared["message_ids"])
        # An hour back: ahead of whatever beat's hourly plan_reminders has made due meanwhile.
        cluster.sql(
            f"UPDATE contacts_outboundmessage SET scheduled_for = now() - interval '1 hour' WHERE id IN ({ids})",
            DATABASE,
        )
        time.sleep(outage - (time.monotonic() - stopped_at))
        redis.start()
        state["outage"] = False
        back_at = time.monotonic()
        # Beat sends dispatch_outbox every 60 s: every due reminder must be sent within two sweeps.
        sent_after = None
        while time.monotonic() - back_at < 180:
            # Done: none of them still due or claimed (sent, suppressed, or deferred by the rules to later).
            due = int(
                cluster.sql(
                    f"SELECT count(*) FROM contacts_outboundmessage WHERE id IN ({ids}) AND (state = 'sending' "
                    "OR (state = 'scheduled' AND scheduled_for <= now()))",
                    DATABASE,
                )
            )
            if due == 0:
                sent_after = round(time.monotonic() - back_at, 1)
                break
            time.sleep(1)
        state["stop"] = True
        thread.join(timeout=60)
        alive = {name: process.poll() is None for name, process in processes.items()}
    finally:
        state["stop"] = True
        for process in processes.values():
            kill_group(process)
    states = cluster.sql(
        f"SELECT state, count(*) FROM contacts_outboundmessage WHERE id IN ({ids}) GROUP BY state", DATABASE
    )
    report = {
        "outage_seconds": outage,
        **{key: value for key, value in pages.items() if key != "failures"},
        "first_failures": pages["failures"][:10],
        "processes_alive_after": alive,
        "messages_due_during_outage": len(prepared["message_ids"]),
        "message_states_after": dict(line.split("|") for line in states.splitlines()),
        "seconds_to_send_them_after_redis_back": sent_after,
    }
    report["ok"] = (
        pages["failed"] == 0 and pages["during_outage_served"] > 0 and all(alive.values()) and sent_after is not None
    )
    return report


def _count(pages, state, request, ok) -> int | None:
    key = "during_outage_" if state["outage"] else ""
    try:
        status = request().status_code
    except Exception as error:  # noqa: BLE001 (any failure of the request is what is counted)
        status, detail = None, f"{type(error).__name__}: {error}"[:200]
    else:
        detail = status
    if status in ok:
        pages["served"] += 1
        if key:
            pages[f"{key}served"] += 1
    else:
        pages["failed"] += 1
        if key:
            pages[f"{key}failed"] += 1
        pages["failures"].append({"during_outage": bool(key), "what": detail})
    return status


def _post(session, url: str, data: dict, referer: str):
    return session.post(url, data=data, timeout=30, allow_redirects=False, headers={"Referer": referer})


def _login(session, base: str, username: str):
    page = session.get(f"{base}/admin/login/", timeout=60)
    token = session.cookies.get("csrftoken") or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = session.post(
        f"{base}/admin/login/?next=/desk/queue/",
        data={"username": username, "password": REDIS_PASSWORD, "csrfmiddlewaretoken": token, "next": "/desk/queue/"},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=60,
        allow_redirects=False,
    )
    if answer.status_code != 302:
        raise RuntimeError(f"login refused ({answer.status_code})")
    return session


def _log_form(session, case_page: str) -> dict:
    """The log-contact form's first route and a 'no answer'-like outcome, read from the page."""
    html = session.get(case_page, timeout=60).text
    route = re.search(r'<select name="route"[^>]*>.*?<option value="([^"]+)"', html, re.S)
    outcomes = re.findall(r'name="outcome" value="([^"]+)"', html)
    outcome = next((o for o in outcomes if "no_answer" in o), outcomes[0] if outcomes else "")
    return {"route": route[1] if route else "", "outcome": outcome, "note": "fault: redis outage"}
