"""Rules acting on real SMTP sessions over loopback, seen by smtplib and aiosmtplib: exact
replies at every stage, ``times``, rate limits, dropped connections, delays, seeded chance, and
the refused-mail log."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading
import time

import aiosmtplib
import pytest

MESSAGE = b"From: app@example.com\r\nTo: bob@example.com\r\nSubject: Order 17\r\n\r\nHello\r\n"
#: stage -> the reply code each per-stage test asks for (none of them 421, which hangs up)
CODES = {
    "connect": 554,
    "ehlo": 550,
    "auth": 535,
    "mail": 550,
    "rcpt": 550,
    "data": 554,
    "end": 552,
}
ENHANCED = {
    "connect": "5.3.2",
    "ehlo": "5.7.1",
    "auth": "5.7.8",
    "mail": "5.1.8",
    "rcpt": "5.1.1",
    "data": "5.3.0",
    "end": "5.2.2",
}


def smtplib_session(trap, recipient: str = "bob@example.com") -> tuple[int, bytes]:
    """Go through every stage with smtplib; the first reply that is not a success, or the
    final one. Uses smtplib's own calls (and exceptions), as an application would."""
    try:
        smtp = smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5)
    except smtplib.SMTPConnectError as error:
        return error.smtp_code, error.smtp_error
    with smtp:
        code, text = smtp.ehlo()
        if code != 250:
            return code, text
        try:
            smtp.login("app", "secret")
        except smtplib.SMTPAuthenticationError as error:
            return error.smtp_code, error.smtp_error
        for code, text in (smtp.mail("app@example.com"), smtp.rcpt(recipient)):
            if code != 250:
                return code, text
        try:
            return smtp.data(MESSAGE)
        except smtplib.SMTPDataError as error:
            return error.smtp_code, error.smtp_error


async def aiosmtplib_session(trap, recipient: str = "bob@example.com") -> tuple[int, str]:
    """The same with aiosmtplib, whose calls raise on any failure reply."""
    smtp = aiosmtplib.SMTP(hostname=trap.smtp_host, port=trap.smtp_port, timeout=5)
    try:
        await smtp.connect()
        await smtp.ehlo()
        await smtp.login("app", "secret")
        await smtp.mail("app@example.com")
        await smtp.rcpt(recipient)
        response = await smtp.data(MESSAGE)
        return response.code, response.message
    except aiosmtplib.SMTPResponseException as error:
        return error.code, error.message
    finally:
        smtp.close()


@pytest.mark.parametrize("stage", list(CODES))
def test_each_stage_answers_the_rules_code_and_text_to_smtplib(mailtrap, stage):
    mailtrap.fail(stage, CODES[stage], f"{stage} says no")
    code, text = smtplib_session(mailtrap)
    assert (code, text) == (CODES[stage], f"{ENHANCED[stage]} {stage} says no".encode())
    assert mailtrap.messages() == []
    assert smtplib_session(mailtrap)[0] == CODES[stage]  # until the rule goes


@pytest.mark.parametrize("stage", list(CODES))
def test_each_stage_answers_the_rules_code_and_text_to_aiosmtplib(mailtrap, stage):
    rule = mailtrap.fail(stage, CODES[stage], f"{stage} says no")
    code, text = asyncio.run(aiosmtplib_session(mailtrap))
    assert (code, text) == (CODES[stage], f"{ENHANCED[stage]} {stage} says no")
    assert mailtrap.messages() == []
    rule.remove()
    assert asyncio.run(aiosmtplib_session(mailtrap))[0] == 250
    assert len(mailtrap.messages()) == 1


def test_a_text_with_its_own_enhanced_code_arrives_as_written(mailtrap):
    mailtrap.fail("rcpt", 550, "5.7.26 Unauthenticated mail is prohibited")
    assert smtplib_session(mailtrap) == (550, b"5.7.26 Unauthenticated mail is prohibited")


def test_helo_is_the_ehlo_stage_too(mailtrap):
    mailtrap.fail("ehlo", 554, "Go away")
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        assert smtp.helo() == (554, b"5.3.0 Go away")
        assert smtp.docmd("MAIL FROM:<a@example.com>")[0] == 503  # no greeting accepted


def test_patterns_pick_recipients_and_the_others_get_their_mail(mailtrap):
    mailtrap.fail("rcpt", 550, to="*@blocked.example")
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        refused = smtp.sendmail(
            "app@example.com", ["ann@blocked.example", "bob@example.com"], MESSAGE
        )
    assert refused == {"ann@blocked.example": (550, b"5.1.1 Mailbox unavailable")}
    [message] = mailtrap.wait_for(to="bob@example.com")
    assert message.recipients == ["bob@example.com"]


def test_a_data_rule_leaves_out_of_sequence_errors_alone(mailtrap):
    mailtrap.fail("data", 554)
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.docmd("DATA")[0] == 503  # no recipients yet: aiosmtpd's own reply


def test_a_rule_added_mid_session_applies_to_the_next_command(mailtrap):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.mail("app@example.com")[0] == 250
        rule = mailtrap.fail("rcpt", 450)
        assert smtp.rcpt("bob@example.com")[0] == 450
        rule.remove()
        assert smtp.rcpt("bob@example.com")[0] == 250


def test_times_expires_then_mail_goes_through(mailtrap):
    rule = mailtrap.fail("rcpt", 451, times=2)
    codes = [smtplib_session(mailtrap)[0] for _ in range(4)]
    assert codes == [451, 451, 250, 250]
    assert (rule.fired, rule.remaining) == (2, 0)
    assert len(mailtrap.wait_for(count=2)) == 2


def test_a_rate_limit_lets_exactly_count_through_per_window(mailtrap):
    mailtrap.fail("mail", rate=(3, 1.5))
    first = [smtplib_session(mailtrap) for _ in range(5)]
    assert [code for code, _ in first] == [250, 250, 250, 451, 451]
    assert first[3][1] == b"4.7.0 Too many messages, slow down"
    time.sleep(1.6)  # the window slides past the first three
    again = [smtplib_session(mailtrap)[0] for _ in range(4)]
    assert again == [250, 250, 250, 451]
    assert len(mailtrap.messages()) == 6


def test_a_rate_limit_on_connections_answers_421_and_hangs_up(mailtrap):
    mailtrap.fail("connect", rate=(1, 30))
    assert smtplib_session(mailtrap)[0] == 250
    assert smtplib_session(mailtrap) == (421, b"4.7.0 Too many messages, slow down")


def test_421_closes_the_connection(mailtrap):
    mailtrap.fail("mail", 421)
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo()
        assert smtp.docmd("MAIL FROM:<a@example.com>") == (
            421,
            b"4.3.2 Service not available, closing transmission channel",
        )
        with pytest.raises(smtplib.SMTPServerDisconnected):
            smtp.docmd("NOOP")


# -- dropped connections --------------------------------------------------------------------------


def raw_session(trap, *commands: bytes) -> list[bytes]:
    """Send commands one by one on a plain socket; every reply, then b"" if the server hung up."""
    with socket.create_connection((trap.smtp_host, trap.smtp_port), timeout=5) as sock:
        reader = sock.makefile("rb")
        replies = [reader.readline()]
        for command in commands:
            if not replies[-1]:
                break
            sock.sendall(command + b"\r\n")
            replies.append(reader.readline())
        return replies


@pytest.mark.parametrize(
    ("stage", "commands"),
    [
        ("ehlo", [b"EHLO client"]),
        ("mail", [b"HELO client", b"MAIL FROM:<a@example.com>"]),
        ("rcpt", [b"HELO client", b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.com>"]),
        ("data", [b"HELO c", b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.com>", b"DATA"]),
    ],
)
def test_a_silent_drop_is_end_of_file_without_a_reply(mailtrap, stage, commands):
    mailtrap.fail(stage, drop=True)
    replies = raw_session(mailtrap, *commands, b"NOOP")
    assert replies[0].startswith(b"220 ")
    assert all(r.startswith(b"250") for r in replies[1:-2])
    assert replies[-1] == b""  # the refused command got no reply: the connection just ended
    assert len(replies) == len(commands) + 1


def test_a_drop_at_connect_never_greets(mailtrap):
    mailtrap.fail("connect", drop=True)
    assert raw_session(mailtrap, b"EHLO client") == [b""]
    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5)


def test_a_drop_with_a_code_replies_first(mailtrap):
    mailtrap.fail("rcpt", 554, "Bye now", drop=True)
    with socket.create_connection((mailtrap.smtp_host, mailtrap.smtp_port), timeout=5) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        for command in (b"HELO c", b"MAIL FROM:<a@example.com>", b"RCPT TO:<b@example.com>"):
            sock.sendall(command + b"\r\n")
            reply = reader.readline()
        assert reply == b"554 5.3.0 Bye now\r\n"
        assert reader.read() == b""  # then the server hung up


def test_a_dropped_connection_looks_dropped_to_the_clients(mailtrap):
    mailtrap.fail("end", drop=True)
    with (
        smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp,
        pytest.raises(smtplib.SMTPServerDisconnected),
    ):
        smtp.sendmail("app@example.com", ["bob@example.com"], MESSAGE)

    async def with_aiosmtplib() -> None:
        with pytest.raises(aiosmtplib.SMTPServerDisconnected):
            await aiosmtplib.send(
                MESSAGE,
                sender="app@example.com",
                recipients=["bob@example.com"],
                hostname=mailtrap.smtp_host,
                port=mailtrap.smtp_port,
                timeout=5,
            )

    asyncio.run(with_aiosmtplib())
    assert mailtrap.messages() == []
    assert [r.dropped for r in mailtrap.refused()] == [True, True]


# -- delays ---------------------------------------------------------------------------------------


def timed(call, *args):
    started = time.perf_counter()
    result = call(*args)
    return result, time.perf_counter() - started


@pytest.mark.parametrize("stage", ["connect", "ehlo", "mail", "rcpt", "data", "end"])
def test_a_delay_holds_then_the_mail_goes_through(mailtrap, stage):
    mailtrap.fail(stage, delay=0.4)
    (code, _), took = timed(smtplib_session, mailtrap)
    assert code == 250
    assert 0.4 <= took < 0.4 + 1.5  # tolerance for a loaded machine
    assert len(mailtrap.messages()) == 1
    assert mailtrap.refused() == []  # slow is not refused


def test_a_delay_before_a_refusal(mailtrap):
    mailtrap.fail("rcpt", 450, delay=0.3)
    (code, _), took = timed(smtplib_session, mailtrap)
    assert code == 450 and 0.3 <= took < 1.8


def test_a_delayed_client_does_not_hold_up_the_others(mailtrap):
    mailtrap.fail("rcpt", to="slow@*", delay=2.0)
    slow = threading.Thread(target=smtplib_session, args=(mailtrap, "slow@example.com"))
    slow.start()
    try:
        time.sleep(0.2)  # the slow session is waiting on its RCPT now
        (code, _), took = timed(smtplib_session, mailtrap, "fast@example.com")
        assert code == 250 and took < 1.5
        assert [m.recipients for m in mailtrap.messages()] == [["fast@example.com"]]
    finally:
        slow.join(10)
    assert len(mailtrap.wait_for(count=2)) == 2


# -- chance ---------------------------------------------------------------------------------------


def test_a_seeded_probability_repeats_across_runs(mailtrap):
    def run() -> list[int]:
        rule = mailtrap.fail("rcpt", 451, probability=0.5, seed=2024)
        with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
            smtp.ehlo()
            smtp.mail("app@example.com")
            codes = [smtp.rcpt(f"user{n}@example.com")[0] for n in range(30)]
        rule.remove()
        return codes

    first = run()
    assert set(first) == {250, 451}
    assert run() == first
    assert run() == first


def test_an_unseeded_probability_can_be_replayed_from_its_seed(mailtrap):
    rule = mailtrap.fail("rcpt", 451, probability=0.5)
    codes = [smtplib_session(mailtrap)[0] for _ in range(12)]
    rule.remove()
    mailtrap.fail("rcpt", 451, probability=0.5, seed=rule.seed)
    assert [smtplib_session(mailtrap)[0] for _ in range(12)] == codes


# -- the refused-mail log -------------------------------------------------------------------------


def test_the_refused_log_shows_what_was_refused_and_why(mailtrap):
    rule = mailtrap.fail("rcpt", 550, "No such user here", to="ghost@*")
    end = mailtrap.fail("end", 554, subject="Order")
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5) as smtp:
        smtp.ehlo("client.example")
        with pytest.raises(smtplib.SMTPDataError):
            smtp.sendmail("app@example.com", ["ghost@example.com", "bob@example.com"], MESSAGE)
    at_end, at_rcpt = mailtrap.refused()  # newest first
    assert at_rcpt.rule_id == rule.id and at_rcpt.rule == rule.spec
    assert at_rcpt.reply == "550 5.1.1 No such user here" and not at_rcpt.dropped
    attempt = at_rcpt.attempt
    assert (attempt.stage, attempt.helo, attempt.sender, attempt.recipients) == (
        "rcpt",
        "client.example",
        "app@example.com",
        ("ghost@example.com",),
    )
    assert attempt.peer.startswith("127.0.0.1:")
    assert at_end.rule_id == end.id and at_end.attempt.subject == "Order 17"
    assert at_end.attempt.recipients == ("bob@example.com",)
    assert at_end.reply == "554 5.3.0 Transaction failed"
    assert at_end.seq > at_rcpt.seq and at_end.time >= at_rcpt.time


# -- the same actions seen by aiosmtplib ---------------------------------------------------------


def test_aiosmtplib_sees_times_rate_delay_and_drop(mailtrap):
    async def sessions(count: int) -> list[int]:
        return [(await aiosmtplib_session(mailtrap))[0] for _ in range(count)]

    rule = mailtrap.fail("rcpt", 451, times=2)
    assert asyncio.run(sessions(3)) == [451, 451, 250]
    rule.remove()

    rule = mailtrap.fail("mail", rate=(2, 30))
    assert asyncio.run(sessions(3)) == [250, 250, 451]
    rule.remove()

    rule = mailtrap.fail("data", delay=0.4)
    (code, _), took = timed(asyncio.run, aiosmtplib_session(mailtrap))
    assert code == 250 and 0.4 <= took < 1.9
    rule.remove()

    mailtrap.fail("mail", drop=True)
    with pytest.raises(aiosmtplib.SMTPServerDisconnected):
        asyncio.run(aiosmtplib_session(mailtrap))
    assert len(mailtrap.messages()) == 4
