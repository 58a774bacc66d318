"""Release and relay, against a second mailtrap acting as the upstream SMTP server."""

from __future__ import annotations

import json
import logging
import smtplib
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from mailtrap.relay import RelayError
from mailtrap.transcript import decode

RAW = (
    b"From: App <app@example.com>\r\nTo: alice@example.com\r\nBcc: hidden@example.com\r\n"
    b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <original@example.com>\r\n"
    b"Subject: release me\r\n\r\nThe body, unchanged.\r\n"
)


def send(trap, raw=RAW, to=("alice@example.com",), sender="bounce@example.com"):
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail(sender, list(to), raw)
    return trap.wait_for(to=to[0])[-1]


def post(trap, path, body):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        trap.http_url + path, data, {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())["Error"]


@pytest.fixture
def upstream(mailtrap_factory):
    return mailtrap_factory()


@pytest.fixture
def trap(mailtrap_factory, upstream):
    return mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}")


def test_release_over_http_as_mailpit_does(trap, upstream):
    message = send(trap)
    status, body = post(trap, f"/api/v1/message/{message.id}/release", {"To": ["Bob <bob@x.org>"]})
    assert (status, body) == (200, "ok")
    [copy] = upstream.wait_for(to="bob@x.org")
    assert copy.recipients == ["bob@x.org"]
    assert copy.sender == "app@example.com"  # the From address, not the captured envelope's
    assert b"Bcc" not in copy.raw and b"hidden" not in copy.raw
    assert copy.message_id not in ("", "<original@example.com>")  # a message of its own
    assert copy.date is not None and copy.date.year > 2024
    assert copy.raw.endswith(b"Subject: release me\r\n\r\nThe body, unchanged.\r\n")
    assert message.raw == RAW  # the captured message is untouched


def test_release_from_python_prefers_the_sender_field(trap, upstream):
    message = send(trap, b"Sender: agent@example.com\r\n" + RAW)
    trap.release(message, to=["carol@x.org", "dave@x.org"])
    trap.release(message.id, to=["erin@x.org"])  # an ID does as well
    first, second = upstream.wait_for(count=2)
    assert first.recipients == ["carol@x.org", "dave@x.org"]
    assert first.sender == second.sender == "agent@example.com"


def test_release_errors(trap, mailtrap_factory):
    message = send(trap)
    path = f"/api/v1/message/{message.id}/release"
    assert post(trap, "/api/v1/message/nonexistent/release", {"To": ["a@x.org"]})[0] == 404
    assert post(trap, path, {"To": []}) == (400, "No valid addresses found")
    assert post(trap, path, {}) == (400, "No valid addresses found")
    assert post(trap, path, {"To": ["not an address"]}) == (
        400,
        "Invalid email address: not an address",
    )
    assert post(trap, path, {"To": "a@x.org"})[0] == 400
    assert post(trap, path, b"{nonsense")[0] == 400
    headless = send(trap, b"Subject: no from\r\n\r\nx\r\n", to=("nofrom@example.com",))
    assert post(trap, f"/api/v1/message/{headless.id}/release", {"To": ["a@x.org"]}) == (
        400,
        "No From header found",
    )
    # Without --relay the route answers 404, as Mailpit's does.
    plain = mailtrap_factory()
    other = send(plain)
    status, error = post(plain, f"/api/v1/message/{other.id}/release", {"To": ["a@x.org"]})
    assert status == 404 and "--relay" in error
    with pytest.raises(RuntimeError, match="relay is off"):
        plain.release(other, to=["a@x.org"])


def test_an_upstream_that_refuses_is_reported_with_its_reply(mailtrap_factory):
    small = mailtrap_factory(max_size=100)
    trap = mailtrap_factory(relay=f"127.0.0.1:{small.smtp_port}")
    message = send(trap)
    status, error = post(trap, f"/api/v1/message/{message.id}/release", {"To": ["a@x.org"]})
    assert status == 400
    assert error.startswith("SMTP error: 127.0.0.1:") and " 552 " in error
    with pytest.raises(RelayError) as refused:
        trap.release(message, to=["a@x.org"])
    assert refused.value.code == 552
    assert "message size exceeds fixed maximum" in str(refused.value)
    assert small.messages() == []


def test_an_upstream_that_is_gone_is_reported(mailtrap_factory):
    closed = mailtrap_factory()
    port = closed.smtp_port
    closed.stop()
    trap = mailtrap_factory(relay=f"127.0.0.1:{port}")
    message = send(trap)
    status, error = post(trap, f"/api/v1/message/{message.id}/release", {"To": ["a@x.org"]})
    assert status == 400 and "refused" in error.lower()


def test_starttls_and_auth(mailtrap_factory, monkeypatch):
    upstream = mailtrap_factory(tls=True)
    monkeypatch.setenv("SSL_CERT_FILE", upstream.ca_path)  # trust the upstream's own CA
    trap = mailtrap_factory(
        relay=f"localhost:{upstream.smtp_port}", relay_tls="starttls", relay_auth="user:s3cret"
    )
    trap.release(send(trap), to=["tls@x.org"])
    [copy] = upstream.wait_for(to="tls@x.org")
    # The upstream's transcript shows the relay upgraded to TLS and logged in (masked).
    dialogue = decode(upstream.store.transcript(copy.id), copy.id)
    assert dialogue.tls is not None and dialogue.tls.startswith("TLSv1.")
    texts = [line.text for line in dialogue.lines if line.direction == "in"]
    # (smtplib prefers CRAM-MD5, which the upstream offers; its response is masked)
    assert "STARTTLS" in texts and "AUTH CRAM-MD5" in texts and "********" in texts
    assert "s3cret" not in str(dialogue)


def test_implicit_tls(mailtrap_factory, monkeypatch):
    upstream = mailtrap_factory(tls=True)
    monkeypatch.setenv("SSL_CERT_FILE", upstream.ca_path)
    trap = mailtrap_factory(relay=f"localhost:{upstream.smtps_port}", relay_tls="tls")
    trap.release(send(trap), to=["implicit@x.org"])
    assert upstream.wait_for(to="implicit@x.org")


def test_tls_failures_are_reported(mailtrap_factory, upstream):
    tls_upstream = mailtrap_factory(tls=True)
    # A certificate nobody vouches for: refused, not silently accepted.
    untrusted = mailtrap_factory(relay=f"localhost:{tls_upstream.smtp_port}", relay_tls="starttls")
    with pytest.raises(RelayError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.release(send(untrusted), to=["a@x.org"])
    # STARTTLS asked of a server that does not offer it: refused, never sent in the clear.
    cleartext = mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}", relay_tls="starttls")
    with pytest.raises(RelayError, match="STARTTLS"):
        cleartext.release(send(cleartext), to=["a@x.org"])
    assert upstream.messages() == [] and tls_upstream.messages() == []


def test_automatic_relay_of_matching_recipients(mailtrap_factory, upstream):
    trap = mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}", relay_match=r"@real\.example$")
    raw = b"From: app@example.com\r\nSubject: auto\r\n\r\nbody\r\n"
    send(trap, raw, to=("a@real.example", "b@other.example", "C@REAL.example"))
    [relayed] = upstream.wait_for(subject="auto")
    # As it came: envelope sender and bytes unchanged, only the matching recipients.
    assert relayed.recipients == ["a@real.example", "C@real.example"]
    assert relayed.sender == "bounce@example.com"
    assert relayed.raw == raw
    assert len(trap.messages()) == 1  # and it was caught as usual


class _Records(logging.Handler):
    """Collects mailtrap.relay's records and signals each one."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.arrived = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.arrived.set()


def test_automatic_relay_failures_are_logged_with_the_reply(mailtrap_factory):
    small = mailtrap_factory(max_size=50)
    trap = mailtrap_factory(relay=f"127.0.0.1:{small.smtp_port}", relay_match=r".")
    records = _Records()
    logger = logging.getLogger("mailtrap.relay")
    logger.addHandler(records)
    try:
        message = send(trap)
        assert records.arrived.wait(10)
    finally:
        logger.removeHandler(records)
    [record] = records.records
    assert record.levelno == logging.WARNING
    assert message.id in record.getMessage() and "552" in record.getMessage()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--relay", "nohostport"], "--relay / MAILTRAP_RELAY: expected HOST:PORT"),
        (["--relay-tls", "starttls"], "--relay-tls / MAILTRAP_RELAY_TLS: needs --relay"),
        (["--relay", "h:25", "--relay-tls", "ssl"], "expected starttls or tls"),
        (["--relay", "h:25", "--relay-auth", "nopassword"], "--relay-auth"),
        (["--relay", "h:25", "--relay-match", "("], "--relay-match / MAILTRAP_RELAY_MATCH"),
    ],
)
def test_bad_relay_options_are_one_line_and_exit_2(args, says):
    result = subprocess.run(
        [sys.executable, "-m", "mailtrap", *args], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert says in line
