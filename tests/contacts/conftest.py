"""Fixtures the contact tests share."""

import pytest

from contacts.services import approve_template, save_template_version
from policy.codes import Channel
from tests.factories import make_user


@pytest.fixture
def sms_template(db):
    author, reviewer = make_user("Administrator"), make_user("Compliance reviewer")
    template = save_template_version(
        code="sms-reminder",
        channel=Channel.SMS,
        language="zh-hans",
        by=author,
        body="【{lender_name}】{borrower_name}您好，贷款{loan_number}已逾期{days_past_due}天。",
    )
    return approve_template(template, by=reviewer)
