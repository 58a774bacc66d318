"""The loop-stall detector (tests/support/loopwatch.py) fails a test whose server blocked its
event loop: here a store subscriber that computes for 200 ms (of CPU time) on every delivery,
run by the SMTP handler on the server's loop."""

from __future__ import annotations

import pytest

BLOCKING = """
import smtplib
import time


def busy(seconds):
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_blocks(mailtrap):
    mailtrap.store.subscribe(lambda event: busy({pause}))
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=10) as smtp:
        smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\\r\\n\\r\\nx\\r\\n")
"""


@pytest.mark.loop_stalls_allowed  # the run inside this test stalls its server on purpose
def test_a_handler_that_blocks_200_ms_fails_its_test(pytester: pytest.Pytester):
    pytester.makepyfile(BLOCKING.format(pause=0.2))
    result = pytester.runpytest("-p", "loopwatch")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*an event loop was held over *s:*", "*Executing *took * seconds (* s of CPU)"]
    )


@pytest.mark.loop_stalls_allowed  # the inner server's start-up is not this test's doing
def test_a_handler_that_does_not_block_passes(pytester: pytest.Pytester):
    pytester.makepyfile(BLOCKING.format(pause=0))
    result = pytester.runpytest("-p", "loopwatch")
    result.assert_outcomes(passed=1)
