from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
import pytest

from cases.models import Borrower, CollectionCase, ContactPoint, LoanAccount
from core.masking import mask_email, mask_national_id, mask_phone
from tests.factories import create_case


def make_point(borrower, **fields):
    point = ContactPoint(borrower=borrower, **fields)
    point.full_clean()
    return point


@pytest.fixture
def borrower(db):
    return Borrower.objects.create(full_name="王芳", national_id="110101199003077777")


def test_phone_numbers_are_validated_and_stored_in_e164_with_their_zone(db, borrower):
    point = make_point(borrower, kind="phone", value="138 1234 5678")
    assert point.value == "+8613812345678" and point.time_zone == "Asia/Shanghai"
    us = make_point(
        Borrower.objects.create(full_name="Mary Smith", policy_profile_code="US-REGF"),
        kind="phone",
        value="(312) 555-0147",
    )
    assert us.value == "+13125550147" and us.time_zone == "America/Chicago"


@pytest.mark.parametrize("value", ["12345", "not a number", "+86 100 0000 0000"])
def test_invalid_phone_numbers_are_refused_on_the_value_field(db, borrower, value):
    with pytest.raises(ValidationError) as error:
        make_point(borrower, kind="phone", value=value)
    assert "value" in error.value.message_dict


def test_emails_are_validated_and_lowercased(db, borrower):
    assert make_point(borrower, kind="email", value=" Fang.Wang@Example.CN ").value == "fang.wang@example.cn"
    with pytest.raises(ValidationError):
        make_point(borrower, kind="email", value="fang.wang@")


def test_third_party_points_say_who_the_third_party_is(db, borrower):
    with pytest.raises(ValidationError) as error:
        make_point(borrower, kind="phone", value="+8613912345678", owner="third_party")
    assert "third_party_relation" in error.value.message_dict


def test_time_zone_must_be_iana(db):
    with pytest.raises(ValidationError) as error:
        Borrower(full_name="X", home_time_zone="China Standard Time").full_clean()
    assert "home_time_zone" in error.value.message_dict
    Borrower(full_name="X", home_time_zone="").full_clean()  # unknown is allowed


def test_one_open_case_per_account_is_a_database_constraint(db):
    case = create_case()
    with pytest.raises(IntegrityError):
        CollectionCase.objects.create(account=case.account)


def test_days_past_due_comes_from_the_oldest_unpaid_due_date(db, borrower):
    account = LoanAccount.objects.create(
        borrower=borrower,
        loan_number="L-1",
        product="p",
        principal=Decimal("100"),
        outstanding_principal=Decimal("100"),
        oldest_unpaid_due_date=timezone.localdate() - timedelta(days=31),
    )
    assert account.days_past_due == 31
    assert account.days_past_due_on(timezone.localdate() + timedelta(days=1)) == 32
    account.oldest_unpaid_due_date = timezone.localdate() + timedelta(days=3)
    account.save(update_fields=["oldest_unpaid_due_date"])
    assert LoanAccount.objects.get(pk=account.pk).days_past_due == 0


def test_state_cannot_be_set_directly(db):
    case = create_case()
    with pytest.raises(AttributeError):
        case.state = "legal"


def test_masks_keep_only_what_identifies_without_exposing():
    assert mask_national_id("110101199003077777") == "110***********7777"
    assert mask_phone("+8613812345678") == "+86 138****5678"
    assert mask_email("fang.wang@example.cn") == "f***@example.cn"
