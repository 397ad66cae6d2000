"""
The demo's contact history: weeks of reminders and calls recorded through the contact
rules engine (what it refuses is kept as refused), and one supervisor override.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.models import CaseState, CollectionCase
from cases.selectors import candidate_zones
from contacts import services as contact_services
from policy.codes import Channel, Outcome


class DemoContactHistory:
    """A part of the seed_demo command (mixed into its Command): contact attempts in borrower-local time."""

    def borrower_time(self, case, days_ago, hour, minute=0):
        borrower = case.account.borrower
        zones = candidate_zones(
            borrower, list(borrower.contact_points.all()), self.profiles[borrower.policy_profile_code]
        )
        day = timezone.localdate() - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zones[0]))

    def record(self, case, channel, agent, outcome, at, point, **extra):
        """Through the real engine: what it refuses is stored as refused. A borrower who asked
        to be called back is offered the first time the rules allow from the next day (a
        callback is agreed in the future); one they refuse then moves to the time they name."""
        if outcome == Outcome.CALLBACK and "callback_at" not in extra:
            extra["callback_at"] = self.callback_time(case, at, point)
            if extra["callback_at"] is None:  # no time the rules allow soon: a plain conversation
                outcome, extra = Outcome.RIGHT_PARTY, {k: v for k, v in extra.items() if k != "callback_at"}
        for _second_try in range(2):
            try:
                contact_services.record_attempt(case, channel, outcome, by=agent, at=at, contact_point=point, **extra)
                return True
            except contact_services.ContactBlocked:
                return False
            except contact_services.CallbackRefused as refused:
                # Judged with this very call counted (its conversation, its cap): the next time.
                if refused.next_allowed_at is None:
                    return False
                extra["callback_at"] = refused.next_allowed_at
        return False

    def callback_time(self, case, at, point):
        after = max(at + timedelta(days=1), timezone.now())
        slots = contact_services.next_callback_slots(case, after, contact_point=point, count=1)
        return slots[0] if slots else None

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
