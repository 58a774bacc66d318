"""Async tests (anyio's pytest plugin, asyncio backend): waiting never blocks the test's loop."""

from __future__ import annotations

import pytest

ASYNC_TESTS = """
import asyncio
from email.message import EmailMessage

import aiosmtplib
import pytest
from mailtrap import MailWaitTimeout

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend():
    return "asyncio"


def sending(mailtrap, to, subject):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", to, subject
    message.set_content("hello")
    # runs on the test's own loop: it only gets through while the test awaits
    return asyncio.create_task(
        aiosmtplib.send(message, hostname=mailtrap.smtp_host, port=mailtrap.smtp_port)
    )


async def test_wait_for_async_lets_the_loop_send(mailtrap):
    address = mailtrap.unique_address()
    task = sending(mailtrap, address, "async hello")
    [msg] = await mailtrap.wait_for_async(to=address, timeout=5)
    assert msg.subject == "async hello"
    await task


async def test_blocking_wait_for_in_a_loop_says_what_to_use(mailtrap):
    address = mailtrap.unique_address()
    task = sending(mailtrap, address, "stuck")
    with pytest.raises(MailWaitTimeout, match=r"use `await mailtrap.wait_for_async"):
        mailtrap.wait_for(to=address, timeout=0.3)
    await task  # the loop runs again, so the mail goes out
    assert mailtrap.wait_for(to=address)[0].subject == "stuck"


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_other_event_loops_are_told_what_to_use(mailtrap):
    with pytest.raises(RuntimeError, match="needs an asyncio event loop"):
        await mailtrap.wait_for_async(timeout=0.1)


async def test_wait_for_async_timeout_lists_arrivals(mailtrap):
    await sending(mailtrap, "zed@example.com", "newsletter")
    await mailtrap.wait_for_async(to="alice@example.com", timeout=0.2)
"""


def test_async_tests_wait_without_blocking_their_loop(pytester: pytest.Pytester):
    pytester.makepyfile(ASYNC_TESTS)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*_ test_wait_for_async_timeout_lists_arrivals _*",
            ">*await mailtrap.wait_for_async(to=*",
            "E *MailWaitTimeout: waited 0.2s for 1 message(s) matching to='alice@example.com'*",
            "E * 1 message(s) arrived, closest first:",
            "E * to=?'zed@example.com'? * subject='newsletter'",
            "*- Captured mail -*",
            "  to zed@example.com: 'newsletter'",
        ]
    )
    assert "testing.py" not in result.stdout.str()
