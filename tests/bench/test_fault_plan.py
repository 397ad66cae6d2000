"""
The worker-kill script's plan (bench/faults/worker_kill.py): the batch and the delay
range are derived so that every kill lands while messages are still unfinished.
"""

from bench.faults.worker_kill import LONGEST_DELAY, batch_for, delay_range


def test_the_batch_puts_one_batch_per_child_in_the_first_delay_range():
    assert batch_for(5_000, 100) == 12  # the first range finishes 25 messages: 12 per child
    assert batch_for(400, 8) == 12
    assert batch_for(10, 100) == 1


def test_no_rate_yet_gives_the_longest_range():
    assert delay_range(5_000, 100, 0.0) == LONGEST_DELAY
    assert delay_range(5_000, 100, 100.0) == 0.25
    assert delay_range(5_000, 1, 1.0) == LONGEST_DELAY


def test_every_kill_drawing_the_longest_delay_leaves_messages_at_every_kill():
    for rate in (5.0, 90.0, 400.0):
        unfinished = 5_000.0
        for kills_left in range(100, 0, -1):
            # The worst case: the longest delay every time, at the rate observed.
            finished = rate * delay_range(unfinished, kills_left, rate)
            assert finished <= unfinished / (2 * kills_left) + 1e-9
            unfinished -= finished
            assert unfinished > 0
    # At twice the rate observed, the worst case still leaves some until the last kill.
    unfinished = 5_000.0
    for kills_left in range(100, 1, -1):
        unfinished -= 2 * 90.0 * delay_range(unfinished, kills_left, 90.0)
        assert unfinished > 0
