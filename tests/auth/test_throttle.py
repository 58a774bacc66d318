"""The failure-delay policy, on a clock the tests move."""

from __future__ import annotations

import pytest
from fakeclock import Clock

from mailtrap.auth import Throttle
from mailtrap.auth.throttle import MAX_PEERS


@pytest.fixture
def clock():
    return Clock()


def test_three_free_failures_then_doubling_from_half_a_second_to_five(clock):
    throttle = Throttle(clock=clock)
    delays = [throttle.failed("192.0.2.1") for _ in range(10)]
    assert delays == [0, 0, 0, 0.5, 1, 2, 4, 5, 5, 5]


def test_peers_are_counted_apart(clock):
    throttle = Throttle(clock=clock)
    for _ in range(5):
        throttle.failed("192.0.2.1")
    assert throttle.failed("192.0.2.2") == 0
    assert throttle.failed("192.0.2.1") == 2


def test_a_success_starts_the_peer_afresh(clock):
    throttle = Throttle(clock=clock)
    for _ in range(6):
        throttle.failed("192.0.2.1")
    throttle.succeeded("192.0.2.1")
    assert [throttle.failed("192.0.2.1") for _ in range(4)] == [0, 0, 0, 0.5]


def test_five_quiet_minutes_start_the_peer_afresh(clock):
    throttle = Throttle(clock=clock)
    for _ in range(6):
        throttle.failed("192.0.2.1")
    clock.now += 299
    assert throttle.failed("192.0.2.1") == 4  # not yet: the seventh failure
    clock.now += 300
    assert throttle.failed("192.0.2.1") == 0


def test_off_it_never_delays(clock):
    throttle = Throttle(enabled=False, clock=clock)
    assert {throttle.failed("192.0.2.1") for _ in range(20)} == {0}


def test_a_peer_failing_for_ever_stays_at_five_seconds(clock):
    throttle = Throttle(clock=clock)
    for _ in range(5000):
        delay = throttle.failed("192.0.2.1")
    assert delay == 5


def test_the_peers_remembered_are_bounded(clock):
    throttle = Throttle(clock=clock)
    for _ in range(4):
        throttle.failed("first")
    for n in range(MAX_PEERS):
        throttle.failed(f"peer{n}")
    assert len(throttle._peers) == MAX_PEERS
    assert throttle.failed("first") == 0  # the longest quiet was forgotten
