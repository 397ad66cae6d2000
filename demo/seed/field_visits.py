"""
The demo's field visits: the field agents, visits an agent can work today, and one
request waiting in the supervisor's inbox.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from cases.models import CaseState, CollectionCase
from visits.models import FieldAgent, FieldVisit, VisitState
from visits.services import eligibility

from .book import LOAN_PREFIX


class DemoVisits:
    """A part of the seed_demo command (mixed into its Command): the field agents and visits."""

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
