from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.core.cache import cache
from django.utils import timezone
import pytest

from cases import services as case_services
from cases.models import CaseState, CollectionCase, ContactPoint
from policy.codes import Channel, Outcome
from contacts.models import ContactAttempt
from policy.selectors import current_profile
from contacts.services import approve_template, save_template_version
from tests.conftest import climb_to, create_case, make_user
from tests.contacts.test_policy import SHANGHAI, local
from visits.models import FieldAgent


def frozen(at):
    return mock.patch("django.utils.timezone.now", return_value=at)


def add_failed_attempts(case, calls=4, texts=2):
    profile = current_profile(case.account.borrower.policy_profile_code)
    point = case.account.borrower.contact_points.filter(kind="phone").first()
    for day in range(calls + texts):
        ContactAttempt.objects.create(
            case=case, borrower_id=case.account.borrower_id, allowed=True, profile=profile, contact_point=point,
            channel=Channel.PHONE_CALL if day < calls else Channel.SMS,
            outcome=Outcome.NO_ANSWER if day < calls else Outcome.SENT,
            started_at=timezone.now() - timedelta(days=day + 1))


def eligible_case(*, dpd=95, outstanding=Decimal("20000"), calls=4, texts=2, notice_days_ago=10, collector=None):
    supervisor = make_user("Supervisor")
    case = create_case(dpd=dpd, outstanding=outstanding, collector=collector)
    borrower = case.account.borrower
    borrower.region = "Shanghai"
    borrower.save()
    ContactPoint.objects.create(borrower=borrower, kind="postal", value="上海市黄浦区人民路1号", is_primary=True)
    climb_to(case, CaseState.WRITTEN_NOTICE, by=supervisor)
    case_services.record_written_notice(case, sent_at=timezone.now() - timedelta(days=notice_days_ago), by=supervisor)
    add_failed_attempts(case, calls, texts)
    return CollectionCase.objects.select_related("account__borrower").get(pk=case.pk)


@pytest.fixture
def agents(db):
    made = []
    for number in (1, 2):
        user = make_user("Field agent", username=f"agent{number}")
        user.first_name, user.last_name = "Qiang", f"Liu{number}"
        user.save()
        made.append(FieldAgent.objects.create(user=user, badge_number=f"SH-00{number}", regions="Shanghai, Suzhou"))
    return made


@pytest.fixture
def notice_templates(db):
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    made = {}
    for code, channel, body in [
        ("sms-visit-notice", Channel.SMS, "{borrower_name}您好，我司工作人员（工号{agent_badges}）将于{visit_window}上门，"
                                          "目的：{visit_purpose}。核验码{verification_code}，可在{verify_url}核实。"),
        ("letter-visit-notice", Channel.LETTER, "{borrower_name}：上门时间{visit_window}，工号{agent_badges}，核验码{verification_code}。"),
        ("sms-visit-cancelled", Channel.SMS, "{borrower_name}您好，原定{visit_window}的上门拜访已取消。"),
    ]:
        template = save_template_version(code=code, channel=channel, language="zh-hans", body=body, by=author,
                                         is_required_notice=code == "sms-visit-cancelled")
        made[code] = approve_template(template, by=reviewer)
    return made


@pytest.fixture(autouse=True)
def clear_verify_throttle():
    cache.delete("verify-attempts:127.0.0.1")
    yield
    cache.delete("verify-attempts:127.0.0.1")


def window(day_offset=3, hour=10):
    start = local(SHANGHAI, day_offset=day_offset, hour=hour)
    return start, start + timedelta(hours=2)
