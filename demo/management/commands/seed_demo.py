"""
Demo users for every role and a book of a few hundred cases over every rung and side
state. Idempotent: users are kept (their demo password reset), the book is created
once. Cases climb the ladder through the real services, so their events and history
are what the product itself writes.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
import random
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.demo import DEMO_TOTP_SECRET, give_demo_device
from audit.ledger import rebuild_ledger
from cases import services
from cases.models import (
    Borrower,
    CaseEvent,
    CaseState,
    CollectionCase,
    ContactPoint,
    Hold,
    LoanAccount,
)
from cases.selectors import candidate_zones
from contacts import services as contact_services
from contacts.models import ChannelOptOut
from policy.codes import Channel, Outcome
from policy.selectors import current_profiles_by_code
from visits.models import FieldAgent, FieldVisit, VisitState
from visits.services import eligibility

DEMO_PASSWORD = "demo-2026"
DEMO_USERS = [
    # username, first, last, role
    ("collector1", "Fang", "Wang", "Collector"),
    ("collector2", "James", "Carter", "Collector"),
    ("collector3", "Lei", "Zhang", "Collector"),
    ("fieldagent1", "Qiang", "Liu", "Field agent"),
    ("fieldagent2", "Jun", "Chen", "Field agent"),
    ("supervisor1", "Min", "Zhao", "Supervisor"),
    ("supervisor2", "Wei", "Huang", "Supervisor"),
    ("reviewer1", "Sarah", "Okafor", "Compliance reviewer"),
    ("admin1", "Hui", "Sun", "Administrator"),
]
LOAN_PREFIX = "DEMO-"

CN_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗"
CN_GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀英",
    "桂英",
    "建华",
    "志强",
    "海燕",
]
EN_FIRST = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Olivia",
    "Harry",
    "Amelia",
    "George",
    "Isla",
    "Noah",
    "Emily",
    "Jack",
]
EN_LAST = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Taylor",
    "Wilson",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Lewis",
]
US_AREAS = [
    ("212", "America/New_York"),
    ("617", "America/New_York"),
    ("312", "America/Chicago"),
    ("415", "America/Los_Angeles"),
    ("303", "America/Denver"),
]
CN_PRODUCTS = ["消费贷 Consumer loan", "现金贷 Cash loan", "分期 Instalment purchase"]
EN_PRODUCTS = ["Personal loan", "Instalment purchase", "Credit line"]

# How the book is spread: (target state, share, days-past-due range)
SPREAD = [
    (CaseState.NEW, 0.06, (1, 3)),
    (CaseState.REMINDER, 0.16, (1, 7)),
    (CaseState.PHONE, 0.20, (8, 29)),
    (CaseState.WRITTEN_NOTICE, 0.14, (30, 89)),
    (CaseState.FIELD_VISIT, 0.06, (90, 179)),
    (CaseState.LEGAL, 0.04, (180, 400)),
    (CaseState.ARRANGEMENT, 0.12, (8, 60)),
    (CaseState.ON_HOLD, 0.10, (10, 120)),
    (CaseState.RESOLVED, 0.09, (8, 60)),
    (CaseState.WRITTEN_OFF, 0.03, (365, 700)),
]


class Command(BaseCommand):
    help = "Create demo users (one per role) and a demo case book. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--cases", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, cases, seed, **options):
        users = self.create_users()
        if LoanAccount.objects.filter(loan_number__startswith=LOAN_PREFIX).exists():
            self.stdout.write("Demo book already present; left as it is.")
        else:
            with transaction.atomic():
                self.create_templates(users)
                self.create_book(cases, random.Random(seed), users)
                # The demo back-dates its ladder steps after writing them: seal the book afresh.
                rebuild_ledger()
        self.print_logins()

    # --- users ----------------------------------------------------------------------

    def create_users(self) -> dict[str, User]:
        users = {}
        for username, first, last, role in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.first_name, user.last_name = first, last
            user.email = f"{username}@demo.invalid"
            user.is_staff = True
            user.is_active = True
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            if role in settings.OTP_REQUIRED_GROUPS:
                give_demo_device(user)
            users[username] = user
        return users

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS(f"\nDemo logins (password for all: {DEMO_PASSWORD})"))
        for username, first, last, role in DEMO_USERS:
            self.stdout.write(f"  {username:<12} {role:<20} {first} {last}")
        two_factor = [username for username, _first, _last, role in DEMO_USERS if role in settings.OTP_REQUIRED_GROUPS]
        self.stdout.write(
            f"\n{', '.join(two_factor)} also need a two-factor code: add the demo secret {DEMO_TOTP_SECRET}"
            f"\nto an authenticator app (time-based, 6 digits), or run `.venv/bin/python manage.py demo_totp`."
        )
        code = (
            FieldVisit.objects.filter(state=VisitState.NOTIFIED)
            .order_by("window_start")
            .values_list("verification_code", flat=True)
            .first()
        )
        if code:
            self.stdout.write(f"\nA visitor verification code to try at /verify/: {code}")

    # --- message templates ------------------------------------------------------------

    TEMPLATES = [
        (
            "sms-reminder",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，您的贷款{loan_number}已逾期{days_past_due}天，应还{amount_due}{currency}。"
            "如已还款请忽略。咨询请致电{hotline}。回复TD退订。",
            False,
        ),
        (
            "sms-reminder-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, loan {loan_number} is {days_past_due} days past due: {amount_due} {currency}. "
            "Already paid? Please ignore this. Questions: {hotline}. Reply STOP to opt out.",
            False,
        ),
        (
            "email-reminder-en",
            Channel.EMAIL,
            "en",
            "Your loan {loan_number}",
            "Dear {borrower_name},\n\n{amount_due} {currency} is due on loan {loan_number} ({days_past_due} days "
            "past due). {payment_instructions}\n\nIf you are in difficulty, call us on {hotline}: we can agree a "
            "plan.\n\nTo stop emails, reply UNSUBSCRIBE.",
            False,
        ),
        (
            "letter-formal-notice",
            Channel.LETTER,
            "zh-hans",
            "催收通知书",
            "{borrower_name}：您在{lender_name}的贷款{loan_number}已逾期{days_past_due}天，未还金额{amount_due}{currency}。"
            "请于收到本通知后尽快还款或与我们协商还款计划，电话{hotline}。",
            False,
        ),
        (
            "email-reminder",
            Channel.EMAIL,
            "zh-hans",
            "您的贷款{loan_number}还款提醒",
            "{borrower_name}您好：\n\n您的贷款{loan_number}已逾期{days_past_due}天，应还{amount_due}{currency}。"
            "{payment_instructions}\n\n如有困难请致电{hotline}，我们可以协商还款计划。\n\n退订请回复TD。",
            False,
        ),
        (
            "letter-formal-notice-en",
            Channel.LETTER,
            "en",
            "Formal notice",
            "Dear {borrower_name}, loan {loan_number} with {lender_name} is {days_past_due} days past due with "
            "{amount_due} {currency} outstanding. Please pay or call {hotline} to agree a plan.",
            False,
        ),
        (
            "sms-promise-missed",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，我们未收到约定的还款。如有困难请致电{hotline}。回复TD退订。",
            False,
        ),
        (
            "sms-promise-missed-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, we have not received the payment you planned. Need help? Call {hotline}. "
            "Reply STOP to opt out.",
            False,
        ),
        (
            "sms-visit-notice",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，{lender_name}工作人员（工号{agent_badges}）将于{visit_window}上门拜访，目的：{visit_purpose}。"
            "核验码{verification_code}，请在{verify_url}核实来访人员身份；如有疑问请致电{hotline}。",
            False,
        ),
        (
            "sms-visit-notice-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, {lender_name} staff (badges {agent_badges}) will visit on {visit_window} for a "
            "{visit_purpose}. Code {verification_code}: check the visitors at {verify_url}. Questions: {hotline}.",
            False,
        ),
        (
            "letter-visit-notice",
            Channel.LETTER,
            "zh-hans",
            "上门拜访通知",
            "{borrower_name}：{lender_name}工作人员（工号{agent_badges}）将于{visit_window}上门，目的：{visit_purpose}。"
            "核验码{verification_code}，可在{verify_url}核实。",
            False,
        ),
        (
            "letter-visit-notice-en",
            Channel.LETTER,
            "en",
            "Notice of a home visit",
            "Dear {borrower_name}, {lender_name} staff (badges {agent_badges}) will visit on {visit_window} "
            "({visit_purpose}). Verify them with code {verification_code} at {verify_url}.",
            False,
        ),
        (
            "sms-visit-cancelled",
            Channel.SMS,
            "zh-hans",
            "",
            "{borrower_name}您好，原定{visit_window}的上门拜访已取消。",
            True,
        ),
        (
            "sms-visit-cancelled-en",
            Channel.SMS,
            "en",
            "",
            "Hello {borrower_name}, the visit announced for {visit_window} is cancelled.",
            True,
        ),
        (
            "letter-collection-ends",
            Channel.LETTER,
            "en",
            "We have stopped collection",
            "Dear {borrower_name}, as you asked, we will no longer contact you about loan {loan_number}.",
            True,
        ),
    ]

    def create_templates(self, users):
        author, reviewer = users["admin1"], users["reviewer1"]
        for code, channel, language, subject, body, required in self.TEMPLATES:
            template = contact_services.save_template_version(
                code=code,
                channel=channel,
                language=language,
                subject=subject,
                body=body,
                by=author,
                is_required_notice=required,
            )
            contact_services.approve_template(template, by=reviewer)
        # An edit waiting for compliance: version 2 exists but version 1 is what is sent.
        contact_services.save_template_version(
            code="sms-reminder",
            channel=Channel.SMS,
            language="zh-hans",
            by=author,
            body="{borrower_name}您好，贷款{loan_number}逾期{days_past_due}天，应还{amount_due}{currency}。"
            "可致电{hotline}协商分期。回复TD退订。",
        )

    # --- contact history -------------------------------------------------------------

    def borrower_time(self, case, days_ago, hour, minute=0):
        borrower = case.account.borrower
        zones = candidate_zones(
            borrower, list(borrower.contact_points.all()), self.profiles[borrower.policy_profile_code]
        )
        day = timezone.localdate() - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zones[0]))

    def record(self, case, channel, agent, outcome, at, point, **extra):
        """Through the real engine: what it refuses is stored as refused."""
        try:
            contact_services.record_attempt(case, channel, outcome, by=agent, at=at, contact_point=point, **extra)
            return True
        except contact_services.ContactBlocked:
            return False

    def add_contacts(self, case, rng, collector):
        """A few weeks of reminders and calls, as the rung allows, in borrower-local daytime."""
        case = CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)
        phones = [p for p in case.account.borrower.contact_points.all() if p.kind == "phone"]
        email = next((p for p in case.account.borrower.contact_points.all() if p.kind == "email"), None)
        agent = collector
        for days_ago in sorted(rng.sample(range(1, 20), k=rng.randint(2, 6)), reverse=True):
            at = self.borrower_time(case, days_ago, rng.randint(12, 16), rng.randint(0, 59))
            if case.state == CaseState.REMINDER or rng.random() < 0.3:
                self.record(case, Channel.SMS, None, Outcome.SENT, at, phones[0])
                if email and rng.random() < 0.3:
                    self.record(case, Channel.EMAIL, None, Outcome.SENT, at + timedelta(minutes=5), email)
            else:
                valid = [p for p in phones if not p.is_invalid] or phones
                # Now and then someone dials a number already known to be dead: refused.
                point = rng.choice(phones) if rng.random() < 0.1 else rng.choice(valid)
                outcome = rng.choices(
                    [
                        Outcome.NO_ANSWER,
                        Outcome.VOICEMAIL,
                        Outcome.BUSY,
                        Outcome.RIGHT_PARTY,
                        Outcome.CALLBACK,
                        Outcome.REFUSED_TO_PAY,
                    ],
                    weights=[40, 15, 10, 20, 10, 5],
                )[0]
                self.record(
                    case,
                    Channel.PHONE_CALL,
                    agent,
                    outcome,
                    at,
                    point,
                    note="Borrower says salary is late." if outcome == Outcome.RIGHT_PARTY else "",
                )
        if case.state in (CaseState.PHONE, CaseState.WRITTEN_NOTICE) and rng.random() < 0.15:
            # A call tried after hours: the engine refuses it and the refusal is kept.
            self.record(
                case, Channel.PHONE_CALL, agent, Outcome.NO_ANSWER, self.borrower_time(case, 2, 23, 15), phones[0]
            )

    def add_visits(self, users):
        """Field agents, visits an agent can work today, and one request in the inbox. The demo
        writes these directly (their cases were placed on the rung directly too)."""
        regions = "Beijing, Shanghai, Guangdong, Sichuan"
        agents = [
            FieldAgent.objects.create(user=users[name], badge_number=badge, regions=regions)
            for name, badge in (("fieldagent1", "FA-1001"), ("fieldagent2", "FA-1002"))
        ]
        supervisor, collectors = users["supervisor1"], [users["collector1"], users["collector2"]]
        now = timezone.now()
        shanghai = ZoneInfo("Asia/Shanghai")
        today_10 = datetime.combine(timezone.localdate(), time(10), tzinfo=shanghai)
        on_rung = CollectionCase.objects.filter(
            state=CaseState.FIELD_VISIT,
            account__borrower__policy_profile_code="CN",
            account__loan_number__startswith=LOAN_PREFIX,
        ).select_related("account")
        local_now = now.astimezone(shanghai)
        # One window open right now when it is daytime, so an agent can check in during a demo.
        open_now = now - timedelta(minutes=30) if time(8, 30) <= local_now.time() <= time(19, 30) else None
        for index, case in enumerate(on_rung):
            start = (
                open_now if index == 0 and open_now else today_10 + timedelta(days=1 + index % 3, hours=(index % 2) * 4)
            )
            visit = FieldVisit.objects.create(
                case=case,
                state=VisitState.NOTIFIED,
                requested_by=collectors[index % 2],
                reason="Numbers changed; letters unanswered.",
                eligibility=eligibility(case),
                approver=supervisor,
                decided_at=now - timedelta(days=4),
                window_start=start,
                window_end=start + timedelta(hours=2),
                address="上海市黄浦区人民路1号",
                notice_sent_at=now - timedelta(days=3),
                notice_channels="sms letter",
            )
            visit.agents.set(agents)
        pending = (
            CollectionCase.objects.filter(
                state=CaseState.WRITTEN_NOTICE,
                account__loan_number__startswith=LOAN_PREFIX,
                account__borrower__policy_profile_code="CN",
            )
            .select_related("account__borrower")
            .first()
        )
        if pending is not None:
            start = today_10 + timedelta(days=4)
            # Requested by the second supervisor: supervisor1 can approve it (never one's own).
            FieldVisit.objects.create(
                case=pending,
                requested_by=users["supervisor2"],
                reason="Borrower asked to sign a plan in person.",
                eligibility=eligibility(pending),
                exception=True,
                exception_reason="Borrower asked for the visit; documented on the call of the 18th.",
                window_start=start,
                window_end=start + timedelta(hours=2),
                address="北京市朝阳区建国路88号",
            )

    def backdate_ladder_history(self):
        """The demo climbs the ladder in seconds; place those steps three weeks back, before
        the back-dated contact history, so timelines read in a sensible order."""
        shift = timedelta(days=21)
        climbed = ["", "start_reminders", "escalate_to_phone", "escalate_to_written_notice", "demo_seed"]
        demo = CaseEvent.objects.filter(case__account__loan_number__startswith=LOAN_PREFIX)
        demo.filter(kind__in=[CaseEvent.Kind.OPENED, CaseEvent.Kind.TRANSITION], transition__in=climbed).update(
            at=F("at") - shift
        )
        for event in demo.filter(kind=CaseEvent.Kind.NOTICE).select_related("case"):
            CaseEvent.objects.filter(pk=event.pk).update(at=event.case.written_notice_sent_at)
        CollectionCase.objects.filter(account__loan_number__startswith=LOAN_PREFIX).update(
            opened_at=F("opened_at") - shift
        )

    def add_override_example(self, supervisor):
        """A Reg F borrower who asked to be called back within the week after a conversation."""
        case = (
            CollectionCase.objects.filter(state=CaseState.PHONE, account__borrower__policy_profile_code="US-REGF")
            .select_related("account__borrower")
            .first()
        )
        if case is None:
            return
        phone = case.account.borrower.contact_points.filter(kind="phone", is_invalid=False).first()
        collector = case.assigned_collector
        spoke = self.borrower_time(case, 3, 14)
        self.record(
            case,
            Channel.PHONE_CALL,
            collector,
            Outcome.CALLBACK,
            spoke,
            phone,
            note="Asked to be called back on Friday after payday.",
        )
        again = self.borrower_time(case, 1, 14)
        if not self.record(case, Channel.PHONE_CALL, collector, Outcome.RIGHT_PARTY, again, phone):
            self.record(
                case,
                Channel.PHONE_CALL,
                collector,
                Outcome.PROMISE_TO_PAY,
                again + timedelta(minutes=2),
                phone,
                overridden_by=supervisor,
                override_reason="Borrower asked on the call three days ago to be called back today "
                "(prior consent, 12 CFR 1006.14(b)(3)(i)).",
            )

    # --- the book ----------------------------------------------------------------------

    def create_book(self, count: int, rng: random.Random, users: dict[str, User]):
        supervisor = self.supervisor = users["supervisor1"]
        self.profiles = current_profiles_by_code()
        collectors = [users["collector1"], users["collector2"], users["collector3"]]
        today = timezone.localdate()
        targets = []
        for state, share, dpd_range in SPREAD:
            targets += [(state, dpd_range)] * max(1, round(count * share))
        rng.shuffle(targets)
        for number, (target, (low, high)) in enumerate(targets[:count], start=1):
            borrower = self.make_borrower(rng, number)
            account = self.make_account(rng, borrower, number, today - timedelta(days=rng.randint(low, high)))
            case = services.open_case(account, collector=collectors[number % len(collectors)])
            self.bring_to(case, target, rng, supervisor, collectors[number % len(collectors)])
        self.add_override_example(supervisor)
        self.add_visits(users)
        self.backdate_ladder_history()
        for borrower in Borrower.objects.filter(accounts__loan_number__startswith=LOAN_PREFIX).order_by("pk")[::25]:
            ChannelOptOut.objects.create(borrower=borrower, channel=Channel.SMS, note="Replied TD to a reminder.")
        self.stdout.write(f"Created {min(count, len(targets))} demo cases.")

    def make_borrower(self, rng, number) -> Borrower:
        profile = rng.choices(["CN", "US-REGF", "US-MA", "UK-FCA"], weights=[70, 10, 8, 12])[0]
        if profile == "CN":
            name = rng.choice(CN_SURNAMES) + rng.choice(CN_GIVEN)
            zone, language = rng.choice(["Asia/Shanghai"] * 9 + [""]), "zh-hans"
            national_id = f"{rng.randint(110000, 659000)}{rng.randint(1960, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 9999):04d}"
        else:
            name = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
            language = "en"
            zone = "Europe/London" if profile == "UK-FCA" else rng.choice([z for _, z in US_AREAS] + [""])
            national_id = (
                f"{rng.randint(100, 899)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"
                if profile != "UK-FCA"
                else f"QQ{rng.randint(100000, 999999)}C"
            )
        borrower = Borrower.objects.create(
            full_name=name,
            national_id=national_id,
            policy_profile_code=profile,
            home_time_zone=zone,
            language=language,
            vulnerable=rng.random() < 0.04,
            date_of_birth=timezone.localdate() - timedelta(days=rng.randint(22 * 365, 65 * 365)),
            region={"CN": rng.choice(["Beijing", "Shanghai", "Guangdong", "Sichuan"]), "UK-FCA": "London"}.get(
                profile, "USA"
            ),
        )
        for index, (kind, value, label) in enumerate(self.contact_values(rng, profile, number, name)):
            point = ContactPoint(
                borrower=borrower,
                kind=kind,
                value=value,
                label=label,
                is_primary=index < 2,
                is_verified=rng.random() < 0.7,
                is_invalid=kind == "phone" and index > 0 and rng.random() < 0.2,
            )
            point.full_clean()
            point.save()
        return borrower

    def contact_values(self, rng, profile, number, name):
        if profile == "CN":
            phone = f"+86{rng.choice(['138', '139', '150', '186', '188'])}{number:04d}{rng.randint(1000, 9999)}"
            extra = f"+86{rng.choice(['135', '158'])}{number:04d}{rng.randint(1000, 9999)}"
            email = f"user{number}@example.cn"
        elif profile == "UK-FCA":
            phone = f"+447911{number:06d}"
            extra = f"+44207946{number % 10000:04d}"
            email = f"{name.split()[0].lower()}{number}@example.co.uk"
        else:
            area = rng.choice(US_AREAS)[0]
            phone = f"+1{area}5550{number % 200:03d}"
            extra = f"+1{rng.choice(US_AREAS)[0]}5551{number % 200:03d}"
            email = f"{name.split()[0].lower()}{number}@example.com"
        return [("phone", phone, "mobile"), ("email", email, "personal"), ("phone", extra, "home")]

    def make_account(self, rng, borrower, number, due_date) -> LoanAccount:
        large = rng.random() < 0.35
        principal = Decimal(rng.randint(20, 200) * 1000 if large else rng.randint(2, 19) * 500)
        outstanding = (principal * Decimal(rng.randint(40, 95)) / 100).quantize(Decimal("0.01"))
        currency = {"CN": "CNY", "UK-FCA": "GBP"}.get(borrower.policy_profile_code, "USD")
        products = CN_PRODUCTS if currency == "CNY" else EN_PRODUCTS
        return LoanAccount.objects.create(
            borrower=borrower,
            loan_number=f"{LOAN_PREFIX}{number:06d}",
            product=rng.choice(products),
            currency=currency,
            principal=principal,
            outstanding_principal=outstanding,
            outstanding_interest=(outstanding * Decimal("0.03")).quantize(Decimal("0.01")),
            outstanding_fees=Decimal(rng.choice([0, 50, 100, 200])),
            oldest_unpaid_due_date=due_date,
            region=borrower.region,
        )

    def climb(self, case, up_to, by):
        """Climb the ladder through the real services, as far as ``up_to`` allows."""
        order = [CaseState.REMINDER, CaseState.PHONE, CaseState.WRITTEN_NOTICE]
        for rung in order[: order.index(up_to) + 1] if up_to in order else order:
            if case.state == rung or not case.is_open:
                continue
            # Vulnerable borrowers are never escalated automatically: a supervisor decides.
            actor = self.supervisor if by is None and case.account.borrower.vulnerable else by
            services.escalate(case, by=actor, reason="demo book")
            if case.state == CaseState.WRITTEN_NOTICE:
                services.record_written_notice(case, sent_at=timezone.now() - timedelta(days=10), by=by)

    def bring_to(self, case, target, rng, supervisor, collector):
        if target == CaseState.NEW:
            return
        if target in (CaseState.REMINDER, CaseState.PHONE, CaseState.WRITTEN_NOTICE):
            self.climb(case, target, by=None if target == CaseState.REMINDER else collector)
            self.add_contacts(case, rng, collector)
        elif target in (CaseState.FIELD_VISIT, CaseState.LEGAL):
            self.climb(case, CaseState.WRITTEN_NOTICE, by=collector)
            self.add_contacts(case, rng, collector)
            self.seed_upper_rung(case, target, supervisor)
        elif target == CaseState.ARRANGEMENT:
            self.climb(case, CaseState.PHONE, by=collector)
            self.add_contacts(case, rng, collector)
            if rng.random() < 0.7:
                amount = (case.account.outstanding_total * Decimal("0.3")).quantize(Decimal("0.01"))
                services.record_promise(
                    case,
                    amount,
                    timezone.localdate() + timedelta(days=rng.randint(1, 14)),
                    by=collector,
                    note="Borrower will pay after payday.",
                )
            else:
                part = (case.account.outstanding_total / 4).quantize(Decimal("0.01"))
                today = timezone.localdate()
                services.agree_repayment_plan(
                    case,
                    [(today + timedelta(days=30 * i), part) for i in range(1, 5)],
                    by=collector,
                    note="Four monthly instalments.",
                )
        elif target == CaseState.ON_HOLD:
            self.climb(case, CaseState.PHONE, by=collector)
            self.add_contacts(case, rng, collector)
            kind = rng.choice(
                [
                    Hold.Kind.DISPUTE,
                    Hold.Kind.HARDSHIP,
                    Hold.Kind.CEASE_COMMUNICATION,
                    Hold.Kind.COMPLAINT_INVESTIGATION,
                    Hold.Kind.BREATHING_SPACE,
                ]
            )
            evidence = (
                ContentFile(b"Demo evidence: hospital discharge letter.", name="evidence.txt")
                if kind == Hold.Kind.HARDSHIP
                else None
            )
            services.place_hold(case, kind, by=supervisor, note="Demo hold", evidence=evidence)
        elif target == CaseState.RESOLVED:
            self.climb(case, CaseState.PHONE, by=collector)
            self.add_contacts(case, rng, collector)
            services.record_payment(
                case.account,
                case.account.outstanding_total,
                timezone.now() - timedelta(days=rng.randint(0, 5)),
                f"DEMO-PAY-{case.pk}",
            )
        elif target == CaseState.WRITTEN_OFF:
            self.climb(case, CaseState.WRITTEN_NOTICE, by=collector)
            case.refresh_from_db()
            services.apply_transition(
                case, "write_off", by=supervisor, reason="Borrower deceased, estate has no assets (demo)."
            )
        if target in (CaseState.PHONE, CaseState.WRITTEN_NOTICE) and rng.random() < 0.3:
            services.record_payment(
                case.account,
                Decimal(rng.randint(1, 5) * 100),
                timezone.now() - timedelta(days=rng.randint(1, 20)),
                f"DEMO-PART-{case.pk}",
            )

    def seed_upper_rung(self, case, target, supervisor):
        """Field visits need approvals the visits app will provide; the demo places these
        cases on their rung directly and says so in the case's timeline."""
        rungs = [CaseState.FIELD_VISIT] + ([CaseState.LEGAL] if target == CaseState.LEGAL else [])
        CollectionCase.objects.filter(pk=case.pk).update(state=target, ladder_rung=target)
        for rung in rungs:
            CaseEvent.objects.create(
                case=case,
                kind=CaseEvent.Kind.TRANSITION,
                actor=supervisor,
                from_state=CaseState.WRITTEN_NOTICE if rung == CaseState.FIELD_VISIT else CaseState.FIELD_VISIT,
                to_state=rung,
                transition="demo_seed",
                reason="Demo book: placed on this rung directly.",
            )
