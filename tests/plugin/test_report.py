"""Failing mail tests explain themselves: the "Captured mail" report section and wait_for errors."""

from __future__ import annotations

import pytest


def test_failed_test_lists_the_mail_it_captured(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_signup_mail(mailtrap):
            send(mailtrap, "alice@example.com", "Welcome, Alice")
            send(mailtrap, "bob@example.com", "Your order shipped")
            assert mailtrap.messages(subject="password reset")
        """
    )
    result = with_send.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured mail -*",
            "mailtrap at 127.0.0.1:*: 2 message(s) captured",
            "  to alice@example.com: 'Welcome, Alice'",
            "  to bob@example.com: 'Your order shipped'",
            "*short test summary info*",
        ]
    )


def test_only_failed_tests_that_used_a_mail_fixture_get_the_section(
    with_send: pytest.Pytester,
):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_passes_with_mail(mailtrap):
            send(mailtrap, "carol@example.com", "passing mail")

        def test_fails_without_fixture():
            assert 1 == 2

        def test_fails_with_no_mail(mailtrap):
            assert mailtrap.messages()
        """
    )
    result = with_send.runpytest("-rA", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)
    text = result.stdout.str()
    assert text.count("Captured mail") == 1
    assert "passing mail" not in text
    result.stdout.fnmatch_lines(
        [
            "*_ test_fails_with_no_mail _*",
            "*- Captured mail -*",
            "mailtrap at 127.0.0.1:*: no messages were captured",
        ]
    )


def test_report_covers_factory_servers_and_many_messages(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_many(mailtrap, mailtrap_factory):
            other = mailtrap_factory()
            send(other, "factory@example.com", "from the factory")
            for n in range(25):
                send(mailtrap, f"user{n}@example.com", f"note {n}")
            raise RuntimeError("boom")
        """
    )
    result = with_send.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- Captured mail -*",
            "mailtrap at 127.0.0.1:*: 25 message(s) captured",
            "  to user0@example.com: 'note 0'",
            "  to user19@example.com: 'note 19'",
            "  ... and 5 more",
            "mailtrap at 127.0.0.1:*: 1 message(s) captured",
            "  to factory@example.com: 'from the factory'",
        ]
    )
    assert "note 20'" not in result.stdout.str()


def test_report_section_reaches_the_controller_under_xdist(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_fails(mailtrap):
            send(mailtrap, "dave@example.com", "sent from a worker")
            assert False
        """
    )
    result = with_send.runpytest_subprocess("-n", "1", "-p", "no:randomly", timeout=60)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*- Captured mail -*", "  to dave@example.com: 'sent from a worker'"]
    )


def test_wait_for_timeout_explains_what_arrived(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_waits(mailtrap):
            send(mailtrap, "zed@example.com", "Unrelated newsletter")
            send(mailtrap, "alice@example.org", "Password reset")
            mailtrap.wait_for(to="alice@example.com", subject="password reset", timeout=0.2)
        """
    )
    result = with_send.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            ">*mailtrap.wait_for(to=*",
            "E *MailWaitTimeout: waited 0.2s for 1 message(s) matching to='alice@example.com', *",
            "E * 2 message(s) arrived, closest first:",
            "E * to=?'alice@example.org'? * subject='Password reset'",
            "E * to=?'zed@example.com'? * subject='Unrelated newsletter'",
            "",
            "test_wait_for_timeout_explains_what_arrived.py:6: MailWaitTimeout",
        ]
    )
    assert "testing.py" not in result.stdout.str()  # no frames from inside mailtrap
    assert "hint: wait_for() blocked the event loop" not in result.stdout.str()
