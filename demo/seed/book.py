"""
The demo book: loan accounts and cases spread over every rung and side state, brought
there through the real case services, and their ladder steps placed back in time.
"""

from datetime import timedelta
from decimal import Decimal
import random

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone

from cases import services
from cases.models import Borrower, CaseEvent, CaseState, CollectionCase, Hold, LoanAccount
from cases.plan_text import PlanInterval
from contacts.models import ChannelOptOut
from policy.codes import Channel
from policy.selectors import current_profiles_by_code

LOAN_PREFIX = "DEMO-"
CN_PRODUCTS = ["消费贷 Consumer loan", "现金贷 Cash loan", "分期 Instalment purchase"]
EN_PRODUCTS = ["Personal loan", "Instalment purchase", "Credit line"]
# A hardship hold's evidence: a one-page PDF (uploads are checked by content).
DEMO_EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 62>>stream\nBT /F1 18 Tf 72 770 Td (Demo: hospital discharge letter) Tj ET\nendstream endobj\n"
    b"5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

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


class DemoBook:
    """A part of the seed_demo command (mixed into its Command): the accounts and cases, and how each reaches its state."""

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
            # New cases wait for the allocation rule, as the nightly cycle leaves them.
            collector = None if target == CaseState.NEW else collectors[number % len(collectors)]
            case = services.open_case(account, collector=collector)
            self.bring_to(case, target, rng, supervisor, collector)
        services.allocate_new_cases()
        self.add_override_example(supervisor)
        self.add_visits(users)
        self.backdate_ladder_history()
        for borrower in Borrower.objects.filter(accounts__loan_number__startswith=LOAN_PREFIX).order_by("pk")[::25]:
            ChannelOptOut.objects.create(borrower=borrower, channel=Channel.SMS, note="Replied TD to a reminder.")
        self.stdout.write(f"Created {min(count, len(targets))} demo cases.")

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
                # The balance in four equal monthly parts: their sum is the balance to the cent.
                services.agree_repayment_plan(
                    case,
                    services.schedule_installments(
                        case.account.outstanding_total,
                        4,
                        timezone.localdate() + timedelta(days=30),
                        PlanInterval.MONTHLY,
                    ),
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
            evidence = ContentFile(DEMO_EVIDENCE_PDF, name="evidence.pdf") if kind == Hold.Kind.HARDSHIP else None
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
        # Those UPDATEs wrote no history: record where each demo case now stands, so its
        # live row agrees with its latest history row as the verifier requires.
        CollectionCase.history.bulk_history_create(
            list(CollectionCase.objects.filter(account__loan_number__startswith=LOAN_PREFIX)),
            update=True,
            default_change_reason="demo book: placed on its rung and back-dated",
        )
