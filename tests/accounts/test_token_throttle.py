"""A burst of wrong two-factor codes is counted code by code: the failure count and the
throttle are updated under the device's row lock, so parallel tries lose no failure."""

import threading

from django.db import connection
from django_otp.plugins.otp_totp.models import TOTPDevice
import pytest

from accounts import twofactor
from accounts.demo import current_code
from tests.factories import make_user

TRIES = 12


def a_wrong_code(device) -> str:
    """A code that is none of the device's current ones (the check allows a step of drift)."""
    right = int(current_code(device))
    return next(
        f"{candidate:06d}"
        for candidate in ((right + n) % 1_000_000 for n in range(1, 100))
        if twofactor.matching_step(device, f"{candidate:06d}") is None
    )


def _at_once(action, times):
    barrier = threading.Barrier(times)
    outcomes = []

    def run():
        try:
            barrier.wait(timeout=10)
            outcomes.append(action())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_wrong_codes_are_all_counted():
    device = TOTPDevice.objects.create(user=make_user("Supervisor"), name="phone", confirmed=True)
    wrong = a_wrong_code(device)
    # Each try loads the device as a request would, before any of the others has written.
    loaded = [TOTPDevice.objects.get(pk=device.pk) for _ in range(TRIES)]
    outcomes = _at_once(lambda: twofactor.check_token(loaded.pop(), wrong), TRIES)
    assert len(outcomes) == TRIES and twofactor.ACCEPTED not in outcomes
    device.refresh_from_db()
    assert device.throttling_failure_count == TRIES
    assert device.throttling_failure_timestamp is not None


def test_a_wrong_code_while_throttled_counts_and_a_right_one_is_kept_for_later(db):
    device = TOTPDevice.objects.create(user=make_user("Supervisor"), name="phone", confirmed=True)
    wrong = a_wrong_code(device)
    assert twofactor.check_token(device, wrong) == twofactor.WRONG
    assert twofactor.check_token(device, wrong) == twofactor.THROTTLED
    assert twofactor.check_token(device, current_code(device)) == twofactor.THROTTLED
    device.refresh_from_db()
    assert device.throttling_failure_count == 2 and device.last_t == -1  # the right code is not used up
