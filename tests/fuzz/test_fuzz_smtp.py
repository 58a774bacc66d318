"""Random envelope addresses through the running SMTP server over a socket (aiosmtpd's address
parsing and our normalisation): every command is answered with a reply code, the session goes
on, and an accepted message is stored byte for byte."""

from __future__ import annotations

import smtplib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailtrap import MailTrap

PIECES = st.sampled_from(
    ["a", "b", "@", ".", "<", ">", '"', "\\", "(", ")", "[", "]", ",", ";", ":", " ", "é",
     "example.com", "localhost", "+tag", "%", "!", "=", "xn--", "\t", "A"]
)  # fmt: skip
addresses = st.one_of(st.lists(PIECES, max_size=20).map("".join), st.text(max_size=40))


@pytest.fixture(scope="module")
def trap():
    """A server of this module's own: the fuzzing makes mailboxes nobody else should see."""
    with MailTrap() as started:
        yield started


def command(smtp: smtplib.SMTP, line: str) -> int:
    """Send one command line as UTF-8 (CR and LF taken out) and return the reply code."""
    smtp.send(line.replace("\r", "").replace("\n", "").encode("utf-8") + b"\r\n")
    code, _ = smtp.getreply()
    assert 200 <= code < 600
    return code


@given(addresses, addresses)
def test_envelope_addresses(trap, sender, recipient):
    raw = b"Subject: fuzz\r\n\r\nbody\r\n"
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        if command(smtp, f"MAIL FROM:<{sender}>") == 250:
            if command(smtp, f"RCPT TO:<{recipient}>") == 250:
                code, reply = smtp.data(raw)
                assert code == 250, reply
            else:
                command(smtp, "RSET")
        assert smtp.noop()[0] == 250
    for message in trap.messages():
        assert message.raw == raw
    trap.clear()
