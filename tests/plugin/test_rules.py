"""Fault-injection rules under the fixtures: each test's rules go when it ends, pass or fail;
the refused-mail log starts empty; failure reports say what was refused; xdist workers never
see each other's rules."""

from __future__ import annotations

import pytest


def test_a_tests_rules_are_removed_even_when_it_fails(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        import json, smtplib, urllib.request
        import pytest
        from sendhelp import send

        def test_fails_with_a_rule(mailtrap):
            mailtrap.fail("rcpt", 550)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                send(mailtrap, "alice@example.com", "refused")
            assert False, "this test fails with its rule in force"

        def test_errors_with_an_http_rule(mailtrap):
            request = urllib.request.Request(
                mailtrap.http_url + "/api/v1/rules",
                data=json.dumps({"Stage": "mail", "Code": 451}).encode(),
                method="POST",
            )
            urllib.request.urlopen(request, timeout=5).close()
            raise RuntimeError("boom")

        def test_the_next_test_sends_freely(mailtrap):
            assert mailtrap.faults.rules() == []
            assert mailtrap.refused() == []  # the log starts empty too
            send(mailtrap, "alice@example.com", "delivered")
            assert [m.subject for m in mailtrap.wait_for()] == ["delivered"]
        """
    )
    result = with_send.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)


def test_rules_from_the_session_config_stay(with_send: pytest.Pytester):
    with_send.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mailtrap_config():
            return {"rules": [{"Stage": "rcpt", "Code": 550, "To": "*@blocked.example"}]}
        """
    )
    with_send.makepyfile(
        """
        import smtplib
        import pytest
        from sendhelp import send

        @pytest.mark.parametrize("n", range(3))
        def test_blocked_in_every_test(mailtrap, n):
            mailtrap.fail("rcpt", 451, to="*@slow.example")
            assert len(mailtrap.faults.rules()) == 2
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                send(mailtrap, "ann@blocked.example", "no")
            assert refused.value.recipients["ann@blocked.example"][0] == 550
        """
    )
    with_send.runpytest().assert_outcomes(passed=3)


def test_a_failure_report_lists_what_rules_refused(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        import smtplib
        import pytest
        from sendhelp import send

        def test_signup(mailtrap):
            mailtrap.fail("rcpt", 451, "Greylisted, try later", to="alice@*", times=1)
            with pytest.raises(smtplib.SMTPRecipientsRefused):
                send(mailtrap, "alice@example.com", "Welcome")
            assert mailtrap.wait_for(timeout=0.2)
        """
    )
    result = with_send.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured mail -*",
            "mailtrap at 127.0.0.1:*: no messages were captured",
            "1 step(s) refused by mailtrap rules:",
            "  RCPT from app@example.com to alice@example.com: "
            "451 4.3.0 Greylisted, try later (rule *)",
        ]
    )


# Two files, so --dist loadfile puts one on each worker. The holder adds a rule that refuses
# every recipient and keeps it while the sender, on the other worker, sends (files on disk are
# the hand-shake); the sender's mail must go through.
HOLDER = """
import pathlib, time

def test_holds_a_rule(mailtrap, worker_id):
    mailtrap.fail("rcpt", 550)
    pathlib.Path(f"holder-{worker_id}").write_text("rule added")
    deadline = time.monotonic() + 20
    while not list(pathlib.Path().glob("sent-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert list(pathlib.Path().glob("sent-*")), "the other worker never sent"
"""
SENDER = """
import pathlib, time
from sendhelp import send

def test_sends_meanwhile(mailtrap, worker_id):
    deadline = time.monotonic() + 20
    while not list(pathlib.Path().glob("holder-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    [holder] = pathlib.Path().glob("holder-*")
    assert holder.name != f"holder-{worker_id}", "both files ran on one worker"
    send(mailtrap, "bob@example.com", "through")
    assert mailtrap.faults.rules() == []
    assert [m.subject for m in mailtrap.wait_for()] == ["through"]
    pathlib.Path(f"sent-{worker_id}").write_text("sent")
"""


def test_rules_never_leak_between_xdist_workers(with_send: pytest.Pytester):
    with_send.makepyfile(test_holder=HOLDER, test_sender=SENDER)
    result = with_send.runpytest_subprocess("-n", "2", "--dist", "loadfile", timeout=90)
    result.assert_outcomes(passed=2)
