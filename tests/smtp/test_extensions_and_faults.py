"""SMTP extensions (PIPELINING, CHUNKING, transcripts) meeting fault-injection rules: the one
EHLO path serves both, a BDAT message meets the "end" stage as DATA's does, and a reply before a
hang-up is never held back for a pipelined group."""

from __future__ import annotations

import json
import urllib.request

import pytest
from smtpwire import Wire

ENVELOPE = b"MAIL FROM:<app@example.com>\r\nRCPT TO:<bob@example.com>\r\n"
MESSAGE = b"Subject: Order 17\r\n\r\nHello\r\n"


def bdat_last(data: bytes) -> bytes:
    return b"BDAT %d LAST\r\n" % len(data) + data


def test_ehlo_keeps_its_keywords_while_rules_are_active(mailtrap):
    mailtrap.fail("rcpt", 550, to="*@blocked.example")
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        lines = wire.ehlo_reply.lines
    assert {"PIPELINING", "CHUNKING", "BINARYMIME", "8BITMIME", "SMTPUTF8"} <= set(lines)
    assert lines[-1] == "HELP"  # aiosmtpd's last line stays last


def test_an_ehlo_rule_refuses_without_keywords(mailtrap):
    mailtrap.fail("ehlo", 550, "Go away")
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port, ehlo=False) as wire:
        reply = wire.command(b"EHLO client.example")
        assert (reply.code, reply.lines) == (550, ["5.7.1 Go away"])
        assert wire.command(b"NOOP").code == 250  # the session goes on


@pytest.mark.parametrize("drop", [False, True])
def test_the_end_stage_refuses_a_bdat_message(mailtrap, drop):
    if drop:  # a silent hang-up
        mailtrap.fail("end", subject="Order", drop=True)
    else:
        mailtrap.fail("end", 552, "Too big for us", subject="Order")
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        wire.send(ENVELOPE + bdat_last(MESSAGE))
        assert wire.replies(2) == [250, 250]
        if drop:
            assert wire.stream.readline() == b""  # hung up without a reply
        else:
            reply = wire.reply()
            assert (reply.code, reply.lines) == (552, ["5.2.2 Too big for us"])
            # The transaction is over: the next one starts afresh, and one the rule does not
            # match (its subject) is stored.
            wire.send(ENVELOPE + bdat_last(b"Subject: next\r\n\r\nok\r\n"))
            assert wire.replies(3) == [250, 250, 250]
    [refused] = mailtrap.refused()
    assert (refused.attempt.stage, refused.dropped) == ("end", drop)
    assert [m.subject for m in mailtrap.messages()] == ([] if drop else ["next"])


def test_a_bdat_message_a_rule_lets_through_is_stored_with_its_transcript(mailtrap):
    mailtrap.fail("end", 552, subject="something else")
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        wire.send(ENVELOPE + bdat_last(MESSAGE))
        assert wire.replies(3) == [250, 250, 250]
    [message] = mailtrap.wait_for(subject="Order 17")
    url = f"{mailtrap.http_url}/api/v1/message/{message.id}/transcript"
    with urllib.request.urlopen(url, timeout=10) as response:
        lines = [line["Text"] for line in json.load(response)["Lines"]]
    assert lines[-2:] == [f"BDAT {len(MESSAGE)} LAST", f"250 OK: queued as {message.id}"]


def test_a_reply_before_a_hang_up_is_not_held_for_the_pipelined_group(mailtrap):
    mailtrap.fail("rcpt", 421)
    with Wire(mailtrap.smtp_host, mailtrap.smtp_port) as wire:
        # MAIL, RCPT and more commands in one write: the replies to MAIL and RCPT may be held
        # while commands wait, but the 421 goes out, with MAIL's, before the connection closes.
        wire.send(ENVELOPE + b"RCPT TO:<carol@example.com>\r\nNOOP\r\n")
        assert wire.replies(2) == [250, 421]
        assert wire.stream.readline() == b""
