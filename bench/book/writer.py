"""
Generating the synthetic book: ``BookWriter`` writes one case at a time (its borrower
and their contact points, the loan, the case and its events, its contact history, and
its payments, promise or plan, or hold) as COPY text into the tables' buffers, drawing
from the shares in ``shape`` with a seeded random generator, so one seed gives one book.
"""

from __future__ import annotations

from bisect import bisect
from datetime import date, datetime, timedelta
import random

from django.conf import settings
from django.utils import timezone

from cases.event_text import EventCode
from cases.models import (
    LADDER,
    NEXT_RUNG_TRANSITION,
    Borrower,
    CaseEvent,
    CaseState,
    CollectionCase,
    ContactPoint,
    Hold,
    Installment,
    LoanAccount,
    Payment,
    PromiseToPay,
    RepaymentPlan,
)
from contacts.models import ChannelOptOut, Consent, ContactAttempt
from policy.selectors import current_profiles_by_code

from .. import names
from ..bulk import NULL, Table, escape, next_ids
from .shape import (
    BLOCK_RATE,
    CALL_OUTCOMES,
    CHANNEL_MIX,
    EXPLANATIONS,
    HOLD_KINDS,
    POINT_KIND,
    PROFILE_SPREAD,
    REACHED,
    REFUSALS,
    RUNG_START_DPD,
    STATE_SPREAD,
    _cumulative,
    _rung_for,
)
from .tables import BOOK_MODELS, CONSENT_CHANNELS, CONSENT_RATE, DAY, TABLE_COLUMNS, Clock, _money, contract_consent

LOAN_PREFIX = "BL"


class BookWriter:
    """Generates the book case by case into the tables' buffers (see the module doc)."""

    def __init__(self, *, seed: int, staff, templates, now: datetime | None = None):
        self.rng = random.Random(seed)
        now = now or timezone.now()
        self.clock = Clock(now)
        self.tables = {model: Table(model, columns) for model, columns in TABLE_COLUMNS.items()}
        self.ids = next_ids(BOOK_MODELS)
        self.collectors = [user.pk for user in staff.collectors]
        self.field_agents = [user.pk for user in staff.field_agents]
        self.supervisor = staff.supervisor.pk
        self.profile_ids = {code: profile.pk for code, profile in current_profiles_by_code().items()}
        codes = settings.REMINDER_TEMPLATE_CODES
        self.template_ids = {}
        for channel in ("sms", "email", "letter"):
            for language, code in codes.get(channel, {}).items():
                if code in templates:
                    self.template_ids[(channel, language)] = templates[code].pk
        self.states = _cumulative([(state, share) for state, share, _ in STATE_SPREAD])
        self.dpd_ranges = {state: span for state, _, span in STATE_SPREAD}
        self.profiles = _cumulative(PROFILE_SPREAD)
        self.channel_mix = {rung: _cumulative(mix) for rung, mix in CHANNEL_MIX.items()}
        self.call_outcomes = _cumulative(CALL_OUTCOMES)
        self.refusals = {
            channel: (_cumulative([((r, h), w) for r, w, h in rows])) for channel, rows in REFUSALS.items()
        }
        self.refusal_text = {
            reason: (escape(f'["{reason}"]'), escape(f'["{text}"]')) for reason, text in EXPLANATIONS.items()
        }
        self.hold_kinds = _cumulative(HOLD_KINDS)
        self.us_areas = [area for area in names.US_AREAS if area not in names.MA_AREAS]

    def _id(self, model) -> int:
        value = self.ids[model]
        self.ids[model] = value + 1
        return value

    def _pick(self, table):
        values, bounds = table
        return values[bisect(bounds, self.rng.random())]

    # --- one borrower and their points ------------------------------------------------

    def borrower(self, number: int):
        rng, clock = self.rng, self.clock
        code = self._pick(self.profiles)
        bid = self._id(Borrower)
        mix = (number * 7919 + 104729) % 10**8  # distinct per borrower, not sequential
        if code == "CN":
            given = "".join(rng.choice(names.CN_GIVEN_CHARS) for _ in range(1 if rng.random() < 0.35 else 2))
            name, language, offset = rng.choice(names.CN_SURNAMES) + given, "zh-hans", 8
            zone = "Asia/Shanghai" if rng.random() < 0.9 else ""
            region = rng.choice(names.CN_REGIONS)
            born = 6000 + (number // 10000 * 37) % 12000
            national_id = (
                f"{rng.randint(110000, 659000)}{(date(1960, 1, 1) + timedelta(days=born)):%Y%m%d}{number % 10000:04d}"
            )
            phone, phone_zone = f"+86{rng.choice(names.CN_MOBILE_PREFIXES)}{mix:08d}", "Asia/Shanghai"
            email = f"u{bid}@example.cn"
            address = f"{region}{rng.choice(names.CN_STREETS)}{rng.randint(1, 999)}号"
        else:
            first, last = rng.choice(names.EN_FIRST), rng.choice(names.EN_LAST)
            name, language = f"{first} {last}", "en"
            if code == "UK-FCA":
                zone, offset, phone_zone = "Europe/London", 0, ""
                region = rng.choice(names.UK_CITIES)
                national_id = f"{'ABCEGHJKLMNPRSTWXYZ'[number // 10**6 % 19]}{'ABCEGHJKLMNPRSTWXYZ'[number // (19 * 10**6) % 19]}{number % 10**6:06d}C"
                phone = f"+44{rng.choice(names.UK_MOBILE_PREFIXES)}{mix % 10**6:06d}"
                address = f"{rng.randint(1, 200)} {rng.choice(names.EN_STREETS)}, {region}"
            else:
                area = rng.choice(names.MA_AREAS if code == "US-MA" else self.us_areas)
                region, phone_zone, offset = names.US_AREAS[area]
                zone = phone_zone if rng.random() < 0.8 else ""
                ssn = (number * 7919 + 12345) % 10**9
                national_id = f"{ssn // 10**6:03d}-{ssn // 10**4 % 100:02d}-{ssn % 10**4:04d}"
                phone = f"+1{area}{200 + mix // 10**4 % 800:03d}{mix % 10**4:04d}"
                address = f"{rng.randint(1, 9999)} {rng.choice(names.EN_STREETS)}, {region}"
            email = f"{first.lower().replace(chr(39), '')}.{last.lower().replace(chr(39), '')}{bid}@example.com"
        vulnerable = rng.random() < 0.04
        created = clock.at(clock.now - rng.randint(400, 1500) * DAY)
        self.tables[Borrower].add(
            f"{bid}\t{name}\t{national_id}\t{clock.day(rng.randint(22 * 365, 65 * 365))}\t{zone}\t{language}\t"
            f"{'t' if vulnerable else 'f'}\t{'Hardship: recent illness.' if vulnerable else ''}\t{code}\t{region}\t{created}"
        )

        points = {}
        cp = self.tables[ContactPoint]
        pid = self._id(ContactPoint)
        invalid = rng.random() < 0.03
        opted_out = rng.random() < 0.01
        cp.add(
            f"{pid}\t{bid}\tphone\t{phone}\tmobile\tborrower\t\t{phone_zone}\t{'t' if rng.random() < 0.7 else 'f'}\t"
            f"t\tf\t{'t' if invalid else 'f'}\t{'t' if opted_out else 'f'}\t{created}"
        )
        points["phone"] = pid
        if rng.random() < 0.6:
            pid = self._id(ContactPoint)
            cp.add(
                f"{pid}\t{bid}\temail\t{email}\tpersonal\tborrower\t\t\tt\tt\tf\tf\t{'t' if rng.random() < 0.02 else 'f'}\t{created}"
            )
            points["email"] = pid
        if rng.random() < 0.35:
            pid = self._id(ContactPoint)
            cp.add(f"{pid}\t{bid}\tpostal\t{escape(address)}\thome\tborrower\t\t\tt\tt\tf\tf\tf\t{created}")
            points["postal"] = pid
        if rng.random() < 0.25:
            pid = self._id(ContactPoint)
            workplace = rng.random() < 0.4
            second = phone[:-4] + f"{(int(phone[-4:]) + 1) % 10000:04d}"
            cp.add(
                f"{pid}\t{bid}\tphone\t{second}\t{'work' if workplace else 'home'}\tborrower\t\t{phone_zone}\tf\t"
                f"f\t{'t' if workplace else 'f'}\t{'t' if rng.random() < 0.15 else 'f'}\tf\t{created}"
            )
        if rng.random() < 0.03:
            pid = self._id(ContactPoint)
            relative = phone[:-4] + f"{(int(phone[-4:]) + 2) % 10000:04d}"
            cp.add(
                f"{pid}\t{bid}\tphone\t{relative}\tspouse\tthird_party\tspouse\t{phone_zone}\tf\tf\tf\tf\tf\t{created}"
            )
        for channel in CONSENT_CHANNELS if rng.random() < CONSENT_RATE else ():
            self.tables[Consent].add(contract_consent(self._id(Consent), bid, channel, created))
        if rng.random() < 0.025:
            self.tables[ChannelOptOut].add(
                f"{self._id(ChannelOptOut)}\t{bid}\tsms\t{clock.at(clock.now - rng.randint(1, 300) * DAY)}\t"
                "Replied TD to a reminder."
            )
        return {
            "id": bid,
            "code": code,
            "language": language,
            "offset": offset,
            "name": name,
            "points": points,
            "region": region,
        }

    # --- the loan and its case -----------------------------------------------------------

    def account(self, borrower, number: int, dpd_today: int | None, *, paid_off: bool):
        """A loan ``dpd_today`` days past due (None: nothing overdue), stored with yesterday's
        days-past-due as the nightly cycle left it."""
        rng, clock = self.rng, self.clock
        code = borrower["code"]
        currency = {"CN": "CNY", "UK-FCA": "GBP"}.get(code, "USD")
        roll = rng.random()
        if currency == "CNY":  # in cents: 1,000-9,500 yuan mostly, 20,000-200,000 for a third, a few larger
            if roll < 0.62:
                principal = rng.randint(2, 19) * 500_00
            elif roll < 0.97:
                principal = rng.randint(20, 200) * 1000_00
            else:
                principal = rng.randint(200, 500) * 1000_00
        else:
            principal = rng.randint(10, 300) * 100_00
        if paid_off:
            outstanding = interest = fees = 0
        else:
            outstanding = principal * rng.randint(40, 95) // 100
            interest = outstanding * 3 // 100
            fees = rng.choice((0, 5000, 10000, 20000))
        aid = self._id(LoanAccount)
        due = NULL if dpd_today is None else clock.day(dpd_today)
        stored = 0 if dpd_today is None else max(dpd_today - 1, 0)
        products = names.CN_PRODUCTS if currency == "CNY" else names.EN_PRODUCTS
        self.tables[LoanAccount].add(
            f"{aid}\t{borrower['id']}\t{LOAN_PREFIX}{number:09d}\t{rng.choice(products)}\t{currency}\t"
            f"{_money(principal)}\t{_money(outstanding)}\t{_money(interest)}\t{_money(fees)}\t{due}\t{stored}\t"
            f"{borrower['region']}\t{clock.at(clock.now - DAY)}\t"
        )
        return {
            "id": aid,
            "currency": currency,
            "principal": principal,
            "owing": outstanding + interest + fees,
            "loan_number": f"{LOAN_PREFIX}{number:09d}",
        }

    def case(self, number: int) -> None:
        rng, clock = self.rng, self.clock
        now, midnight = clock.now, clock.midnight
        borrower = self.borrower(number)
        state = self._pick(self.states)
        low, high = self.dpd_ranges[state]
        dpd = rng.randint(low, high)
        closed = state in (CaseState.RESOLVED, CaseState.WRITTEN_OFF)
        paid_today = not closed and rng.random() < 0.002
        night = 3600  # the nightly cycle runs at 01:00

        if state == CaseState.NEW:
            opened_at = now - rng.randint(600, 6 * 3600)  # opened by the loan feed today
        elif state == CaseState.RESOLVED:
            closed_at = now - rng.randint(1, 85) * DAY - rng.randint(0, DAY)
            opened_at = closed_at - dpd * DAY
        else:
            opened_at = midnight - (dpd - 1) * DAY + night  # the night it was 1 day past due
        if state == CaseState.WRITTEN_OFF:
            closed_at = now - rng.randint(1, 60) * DAY - rng.randint(0, DAY)
        elif state != CaseState.RESOLVED:
            closed_at = None

        if state in LADDER:
            rung = state
        elif state == CaseState.WRITTEN_OFF:
            rung = rng.choice((CaseState.WRITTEN_NOTICE, CaseState.FIELD_VISIT, CaseState.LEGAL))
        else:
            rung = min(_rung_for(dpd), CaseState.WRITTEN_NOTICE, key=LADDER.index)
        if state == CaseState.NEW:
            state_changed = opened_at
        elif state in LADDER:
            state_changed = midnight - (dpd - RUNG_START_DPD[state]) * DAY + night
            if state in (CaseState.FIELD_VISIT, CaseState.LEGAL):  # approved by people, some days later
                state_changed = min(state_changed + rng.randint(0, 20) * DAY, now - DAY)
        elif closed:
            state_changed = closed_at
        else:
            state_changed = now - rng.randint(1, min(dpd - 2, 50)) * DAY
        notice = NULL
        if LADDER.index(rung) >= LADDER.index(CaseState.WRITTEN_NOTICE) and (
            rung != CaseState.WRITTEN_NOTICE or rng.random() < 0.85
        ):
            notice = clock.at(min(max(opened_at, midnight - (dpd - 31) * DAY + 10 * 3600), now - 600))
        account = self.account(
            borrower,
            number,
            None if state == CaseState.RESOLVED else dpd,
            paid_off=state == CaseState.RESOLVED or paid_today,
        )
        collector = self.collectors[number % len(self.collectors)]
        cid = self._id(CollectionCase)
        self.tables[CollectionCase].add(
            f"{cid}\t{account['id']}\t{state}\t{rung}\t{collector}\t{clock.at(opened_at)}\t{clock.at(state_changed)}\t"
            f"{clock.at(closed_at) if closed_at else NULL}\t{notice}"
        )
        self._events(cid, state, rung, opened_at, state_changed, collector)
        self._attempts(cid, borrower, account, rung, dpd, opened_at, closed_at, collector)
        self._money_and_holds(cid, state, account, dpd, opened_at, state_changed, closed_at, collector, paid_today)
        if rng.random() < 0.005:
            # A second loan of the same borrower that fell overdue today: no case yet.
            self.account(borrower, 900_000_000 + number, 1, paid_off=False)

    @property
    def counts(self) -> dict[str, int]:
        """Rows written so far, per table."""
        return {model._meta.db_table: table.written + len(table.rows) for model, table in self.tables.items()}

    def _events(self, cid, state, rung, opened_at, state_changed, collector):
        clock, events = self.clock, self.tables[CaseEvent]
        events.add(
            f"{self._id(CaseEvent)}\t{cid}\t{clock.at(opened_at)}\topened\t\\N\t\t\tnew\t"
            f"{EventCode.OPENED_BY_NIGHTLY_CYCLE}"
        )
        if state == CaseState.NEW:
            return
        if state in LADDER:
            previous = LADDER[LADDER.index(state) - 1]
            transition, actor = NEXT_RUNG_TRANSITION[previous], NULL
            if state in (CaseState.FIELD_VISIT, CaseState.LEGAL):
                actor = self.supervisor
        else:
            previous = rung
            transition, actor = {
                CaseState.ARRANGEMENT: ("start_arrangement", collector),
                CaseState.ON_HOLD: ("put_on_hold", self.supervisor),
                CaseState.RESOLVED: ("resolve", NULL),
                CaseState.WRITTEN_OFF: ("write_off", self.supervisor),
            }[state]
        events.add(
            f"{self._id(CaseEvent)}\t{cid}\t{clock.at(state_changed)}\ttransition\t{actor}\t{transition}\t"
            f"{previous}\t{state}\t{EventCode.ESCALATED_BY_NIGHTLY_CYCLE}"
        )

    # --- the contact history ----------------------------------------------------------------

    def _attempts(self, cid, borrower, account, rung, dpd, opened_at, closed_at, collector):
        rng, clock = self.rng, self.clock
        random_ = rng.random
        start = max(opened_at, clock.now - 90 * DAY)
        end = closed_at or clock.now
        if end - start < 3600:
            return
        count = min(rng.randint(7, 15), 1 + (end - start) * 2 // DAY)
        points = borrower["points"]
        offset = borrower["offset"] * 3600
        language = borrower["language"]
        profile = self.profile_ids[borrower["code"]]
        channels = self.channel_mix[rung]
        table = self.tables[ContactAttempt]
        bid = borrower["id"]
        loan = account["loan_number"]
        for _ in range(count):
            channel = self._pick(channels)
            point = points.get(POINT_KIND[channel])
            if point is None and channel != "field_visit":
                channel, point = "sms", points["phone"]
            blocked = random_() < BLOCK_RATE
            reason = None
            if blocked:
                reason, wait_hours = self._pick(self.refusals[channel])
            local_day = (start + int(random_() * (end - start)) + offset) // DAY * DAY
            hour = rng.choice((6, 7, 21, 22)) if reason == "outside_hours" else 9 + int(random_() * 11)
            started = local_day + hour * 3600 + int(random_() * 3600) - offset
            if started > clock.now:
                started -= DAY
            direction, agent, template, text = "outbound", NULL, NULL, ""
            outcome, conversation, party, ended = "sent", "f", "none", NULL
            if channel == "phone_call":
                agent = collector if random_() < 0.8 else self.collectors[int(random_() * len(self.collectors))]
                outcome = self._pick(self.call_outcomes)
                reached = outcome in REACHED
                conversation = "t" if reached else "f"
                party = "borrower" if reached else ("third_party" if outcome == "third_party" else "none")
                ended = clock.at(started + (60 + int(random_() * 540) if reached else 25))
                if not blocked and random_() < 0.03:
                    direction, outcome, conversation, party = "inbound", "right_party", "t", "borrower"
            elif channel == "field_visit":
                agent = self.field_agents[int(random_() * len(self.field_agents))]
                outcome = "right_party" if random_() < 0.6 else "no_answer"
                party = "borrower" if outcome == "right_party" else "none"
            else:
                template = self.template_ids.get((channel, language)) or NULL
                if not blocked:
                    text = (
                        f"{borrower['name']}您好，您的贷款{loan}已逾期，请及时还款。回复TD退订。"
                        if language == "zh-hans"
                        else f"Hello {borrower['name']}, loan {loan} is past due. Reply STOP to opt out."
                    )
            if blocked:
                reasons, explanations = self.refusal_text[reason]
                until = clock.at(started + wait_hours * 3600) if wait_hours else NULL
                outcome, conversation, party, ended, text, allowed = "", "f", "none", NULL, "", "f"
            else:
                reasons = explanations = "[]"
                until, allowed = NULL, "t"
            at = clock.at(started)
            table.add(
                f"{self._id(ContactAttempt)}\t{cid}\t{bid}\t{channel}\t{direction}\t"
                f"{NULL if point is None else point}\t{agent}\t{at}\t{ended}\t{outcome}\t"
                f"{conversation}\t{party}\t{template}\t{text}\t{allowed}\t{reasons}\t{explanations}\t{until}\t"
                f"{profile}\t{at}\t{'system' if agent == NULL else 'person'}"
            )

    # --- payments, promises, plans, holds -------------------------------------------------------

    def _money_and_holds(self, cid, state, account, dpd, opened_at, state_changed, closed_at, collector, paid_today):
        rng, clock, now = self.rng, self.clock, self.clock.now
        currency, aid = account["currency"], account["id"]
        payments = self.tables[Payment]

        def pay(cents, at):
            pid = self._id(Payment)
            payments.add(
                f"{pid}\t{aid}\tBENCH-PAY-{pid}\t{_money(max(cents, 1))}\t{currency}\t{clock.at(at)}\tfeed\t"
                f"{_money(max(cents, 1))}\t{clock.at(at)}"
            )

        if state == CaseState.RESOLVED:
            pay(account["principal"], closed_at)
        elif paid_today:
            pay(account["principal"], now - rng.randint(600, 5 * 3600))
        elif rng.random() < 0.25 and state != CaseState.NEW:
            for _ in range(rng.randint(1, 2)):
                pay(account["principal"] * rng.randint(5, 20) // 100, max(opened_at, now - rng.randint(1, 60) * DAY))

        if state == CaseState.ARRANGEMENT:
            owing = max(account["owing"], 400)
            if rng.random() < 0.75:
                due = clock.day(-rng.randint(1, 14))
                self.tables[PromiseToPay].add(
                    f"{self._id(PromiseToPay)}\t{cid}\t{_money(owing * 3 // 10)}\t{currency}\t{due}\tpending\t"
                    f"Borrower will pay after payday.\t{clock.at(state_changed)}\t{collector}"
                )
            else:
                plan = self._id(RepaymentPlan)
                self.tables[RepaymentPlan].add(
                    f"{plan}\t{cid}\tactive\t{_money(owing)}\t{currency}\tFour monthly instalments.\t"
                    f"{clock.at(state_changed)}\t{collector}"
                )
                for sequence in range(1, 5):
                    self.tables[Installment].add(
                        f"{self._id(Installment)}\t{plan}\t{sequence}\t{clock.day(-30 * sequence + 10)}\t"
                        f"{_money(owing // 4)}\tdue"
                    )
        elif state == CaseState.ON_HOLD:
            kind = self._pick(self.hold_kinds)
            ends = NULL
            if kind == "breathing_space":
                # 60 days of breathing space; a few ran out today and await the release job.
                ends = clock.at(now - 3600 if rng.random() < 0.03 else state_changed + 60 * DAY)
            self.tables[Hold].add(
                f"{self._id(Hold)}\t{cid}\t{kind}\t{clock.at(state_changed)}\t{ends}\t"
                f"Placed on the bench book.\t{self.supervisor}"
            )
