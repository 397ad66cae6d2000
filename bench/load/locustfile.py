"""
The simulated staff and the payments API (``make load``; bench/load/run.py starts Locust
with this file). Sign-in details come from the JSON file LOAD_ACCOUNTS names
(``manage.py load_book``): nothing here imports Django or touches the database.

Each response is checked: an error status, or the login page where a work page was wanted,
fails the request (Locust counts it, and ``--exit-code-on-error`` fails the run).
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import count
import json
import os
import random
import re
import uuid

from django_otp.oath import totp
from locust import FastHttpUser, between, constant, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"], encoding="utf-8").read())
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/desk/cases/(\d+)/"')
OUTCOMES = re.compile(r'name="outcome" value="([a-z_]+)"')
# The route the desk preselects (the first call the rules allow now), as Enter would take it.
PRESELECTED_ROUTE = re.compile(r'<option value="(phone_call:\d+)" selected>')
ROUTES = re.compile(r'<option value="(phone_call:\d+)"')
LOGIN_PATH = "/admin/login/"
# Staff click through their work quickly: short pauses keep the server busy, so throughput
# measures the server (the ledger tax compares two throughputs), not the users' pauses.
STAFF_PAUSE = between(0.2, 1.0)
# A sign-in hashes the password (PBKDF2, most of a CPU second): when every simulated person
# signs in at once on a busy 2-core machine, answers can take a minute and more. Waiting is
# measured (p99); giving up would leave a user signed out and count its pages as failures.
TIMEOUT_SECONDS = 300.0


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


class Staff(FastHttpUser):
    abstract = True
    network_timeout = connection_timeout = TIMEOUT_SECONDS
    wait_time = STAFF_PAUSE
    role = ""

    def on_start(self):
        people = ACCOUNTS[self.role]
        self.person = people[next(self.numbering) % len(people)]
        self.sign_in()

    def sign_in(self):
        page = self.client.get(LOGIN_PATH, name="sign in: form")
        with self.client.post(
            LOGIN_PATH + "?next=/admin/",
            data={
                "csrfmiddlewaretoken": _csrf(page.text),
                "username": self.person["username"],
                "password": ACCOUNTS["password"],
                "next": "/admin/",
            },
            name="sign in: password",
            catch_response=True,
        ) as answer:
            self._expect_work_page(answer)
            if "totp_key" not in self.person:
                return
            if "/account/two-factor/" not in answer.url:
                answer.failure(f"no two-factor page for {self.person['username']}")
                return
            token = f"{totp(bytes.fromhex(self.person['totp_key'])):06d}"
        with self.client.post(
            "/account/two-factor/",
            data={"csrfmiddlewaretoken": _csrf(answer.text), "token": token, "next": "/admin/"},
            name="sign in: two-factor",
            catch_response=True,
        ) as verified:
            self._expect_work_page(verified)
            if "/account/two-factor/" in verified.url:
                verified.failure(f"two-factor code refused for {self.person['username']}")

    @staticmethod
    def _expect_work_page(answer):
        if answer.status_code >= 400:
            answer.failure(f"status {answer.status_code}")
        elif LOGIN_PATH in (answer.url or ""):
            answer.failure("the login page instead of the work page")

    def page(self, path: str, name: str):
        with self.client.get(path, name=name, catch_response=True) as answer:
            self._expect_work_page(answer)
            if "/account/two-factor/" in (answer.url or ""):
                answer.failure("the two-factor page instead of the work page")
            return answer


class Collector(Staff):
    """Works the phone queue: opens a case from it and logs a call through the desk's form."""

    weight = 30
    role = "collectors"
    numbering = count()  # each simulated person signs in as a different one

    @task
    def call_next_case(self):
        queue = self.page("/desk/queue/", "collector: queue")
        cases = CASE_LINK.findall(queue.text or "")
        if not cases:
            return
        case_id = random.choice(cases)
        desk = self.page(f"/desk/cases/{case_id}/", "collector: case desk")
        routes = PRESELECTED_ROUTE.findall(desk.text or "") or ROUTES.findall(desk.text or "")
        if not routes:
            return
        outcomes = OUTCOMES.findall(desk.text or "")
        with self.client.post(
            f"/desk/cases/{case_id}/contact/",
            data={
                "csrfmiddlewaretoken": _csrf(desk.text),
                "outcome": "no_answer" if "no_answer" in outcomes else outcomes[0],
                "route": routes[0],
                "note": "load test",
            },
            name="collector: log call",
            catch_response=True,
        ) as logged:
            self._expect_work_page(logged)


class Supervisor(Staff):
    """Watches the team: the KPI dashboard most, the workload table now and then."""

    weight = 8
    role = "supervisors"
    numbering = count()  # each simulated person signs in as a different one

    @task(3)
    def dashboard(self):
        self.page("/desk/dashboard/", "supervisor: dashboard")

    @task(1)
    def workload(self):
        self.page("/desk/workload/", "supervisor: workload")


class Reviewer(Staff):
    """Reads case dossiers, and the reviewer workspace between them."""

    weight = 7
    role = "reviewers"
    numbering = count()  # each simulated person signs in as a different one

    @task(3)
    def dossier(self):
        case_id = random.choice(ACCOUNTS["reviewed_cases"])
        self.page(f"/compliance/cases/{case_id}/dossier/", "reviewer: dossier")

    @task(1)
    def workspace(self):
        self.page("/compliance/", "reviewer: workspace")


class PaymentsApi(FastHttpUser):
    """The lender's payment platform: small payments on open accounts, each reference new."""

    weight = 5
    wait_time = constant(0.2)
    network_timeout = connection_timeout = TIMEOUT_SECONDS

    @task
    def post_payment(self):
        reference = f"LOAD-{uuid.uuid4().hex}"
        with self.client.post(
            "/api/v1/payments",
            json={
                "loan_number": random.choice(ACCOUNTS["loan_numbers"]),
                "reference": reference,
                "amount": f"{random.randint(100, 500) / 100:.2f}",
                "paid_at": datetime.now(UTC).isoformat(),
            },
            headers={"Authorization": f"Bearer {ACCOUNTS['api_key']}", "Idempotency-Key": reference},
            name="api: post payment",
            catch_response=True,
        ) as answer:
            if answer.status_code != 201:
                answer.failure(f"status {answer.status_code}: {(answer.text or '')[:200]}")
