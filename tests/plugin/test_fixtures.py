"""The fixtures as users meet them, through real test files run by ``pytester``."""

from __future__ import annotations

import pytest


def test_each_test_starts_with_an_empty_mailtrap(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        from sendhelp import send

        def test_first_sends(mailtrap):
            send(mailtrap, "alice@example.com", "one")
            send(mailtrap, "bob@example.com", "two")
            assert len(mailtrap.wait_for(count=2)) == 2

        def test_second_sees_nothing_of_it(mailtrap):
            assert mailtrap.messages() == []
            assert mailtrap.mailbox("alice@example.com").messages == []
            send(mailtrap, "alice@example.com", "three")
            assert [m.subject for m in mailtrap.wait_for()] == ["three"]
        """
    )
    with_send.runpytest().assert_outcomes(passed=2)


def test_one_server_serves_the_whole_session(with_send: pytest.Pytester):
    with_send.makepyfile(
        test_a="""
        from sendhelp import send
        SEEN = []

        def test_one(mailtrap, mailtrap_server):
            assert mailtrap is mailtrap_server
            SEEN.append((id(mailtrap), mailtrap.smtp_port))
            send(mailtrap, "a@example.com", "from a")
        """,
        test_b="""
        from test_a import SEEN
        from sendhelp import send

        def test_two(mailtrap):
            SEEN.append((id(mailtrap), mailtrap.smtp_port))
            send(mailtrap, "b@example.com", "from b")
            [msg] = mailtrap.wait_for()
            assert msg.subject == "from b"

        def test_three(mailtrap):
            SEEN.append((id(mailtrap), mailtrap.smtp_port))
            assert len(set(SEEN)) == 1, SEEN
            assert len(SEEN) == 3
        """,
    )
    with_send.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_mailtrap_config_in_a_conftest_configures_the_session_server(
    with_send: pytest.Pytester,
):
    with_send.makeconftest(
        """
        import pytest

        @pytest.fixture(scope="session")
        def mailtrap_config():
            return {"max_size": 2000, "hostname": "mail.test"}
        """
    )
    with_send.makepyfile(
        """
        import smtplib
        import pytest
        from sendhelp import send

        def test_limit_applies(mailtrap):
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as error:
                send(mailtrap, "a@example.com", "x" * 5000)
            assert error.value.smtp_code == 552
            with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
                code, greeting = smtp.ehlo()
            assert greeting.startswith(b"mail.test")
            assert mailtrap.messages() == []
        """
    )
    with_send.runpytest().assert_outcomes(passed=1)


def test_smtp_settings_without_tls(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import smtplib

        def test_settings(mailtrap):
            settings = mailtrap.smtp_settings
            assert settings == {
                "host": mailtrap.smtp_host, "port": mailtrap.smtp_port,
                "use_tls": False, "use_ssl": False, "ssl_context": None,
            }
            with smtplib.SMTP(settings["host"], settings["port"], timeout=5) as smtp:
                smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: plain\\r\\n\\r\\nx")
            assert mailtrap.wait_for(to="b@example.com")[0].subject == "plain"
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_factory_starts_a_separate_tls_server_and_stops_it(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import smtplib
        import socket
        import pytest

        STARTED = []

        def test_factory(mailtrap, mailtrap_factory):
            trap = mailtrap_factory(tls=True)
            STARTED.append(trap.smtp_port)
            assert trap.smtp_port != mailtrap.smtp_port
            settings = trap.smtp_settings
            assert settings["use_tls"] is True and settings["use_ssl"] is False
            with smtplib.SMTP(settings["host"], settings["port"], timeout=5) as smtp:
                smtp.starttls(context=settings["ssl_context"])
                smtp.sendmail("a@example.com", ["tls@example.com"], b"Subject: secret\\r\\n\\r\\nx")
            assert trap.wait_for(to="tls@example.com")[0].subject == "secret"
            assert mailtrap.messages() == []      # the session server saw nothing
            assert trap.unique_address() != mailtrap.unique_address()

        def test_factory_server_is_gone():
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", STARTED[0]), timeout=2)
        """
    )
    pytester.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_unique_address_gives_each_test_its_own_mailbox(with_send: pytest.Pytester):
    with_send.makepyfile(
        """
        import email.utils
        from sendhelp import send

        ADDRESSES = []

        def test_signup(mailtrap):
            address = mailtrap.unique_address()
            assert address.startswith("test_signup-") and address.endswith("@example.com")
            assert email.utils.parseaddr(address)[1] == address
            ADDRESSES.append(address)
            send(mailtrap, address, "welcome")
            assert mailtrap.mailbox(address).messages[0].subject == "welcome"

        def test_named_and_other_domain(mailtrap):
            address = mailtrap.unique_address("Alice Smith", domain="corp.test")
            assert address.startswith("alice-smith-") and address.endswith("@corp.test")
            ADDRESSES.append(address)
            ADDRESSES.append(mailtrap.unique_address())

        def test_all_differ():
            assert len(set(ADDRESSES)) == len(ADDRESSES) == 3
        """
    )
    with_send.runpytest("-p", "no:randomly").assert_outcomes(passed=3)


def test_fixtures_show_their_docstrings(pytester: pytest.Pytester):
    result = pytester.runpytest("--fixtures")
    result.stdout.fnmatch_lines(
        [
            "*fixtures defined from mailtrap_pytest.plugin*",
            "mailtrap -- *",
            "*The session's mailtrap, emptied for this test*",
            "mailtrap_factory -- *",
            "*Start a separately configured mailtrap for this test*",
            "mailtrap_config [[]session scope[]] -- *",
            "*Keyword arguments for ``MailTrap(...)``*",
            "mailtrap_server [[]session scope[]] -- *",
            "*one per test process*",
        ],
        consecutive=False,
    )


def test_plugin_can_be_disabled(pytester: pytest.Pytester):
    pytester.makepyfile("def test_x(mailtrap):\n    pass\n")
    result = pytester.runpytest("-p", "no:mailtrap")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*fixture 'mailtrap' not found*"])


def test_repr_names_the_addresses(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_repr(mailtrap):
            assert repr(mailtrap).startswith(f"<PytestMailTrap smtp {mailtrap.smtp_host}:")
            assert repr(mailtrap).endswith("; 0 message(s)>")
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)
