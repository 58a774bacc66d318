"""``mailtrap sendmail``, run as a subprocess the way apps (and PHP's mail()) run sendmail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

MESSAGE = b"Subject: dots\nTo: alice@example.com\n\nfirst\n.leading dot\n.\nafter the dot\n"
EX_USAGE, EX_NOUSER, EX_UNAVAILABLE = 64, 67, 69


def sendmail(trap, *args, stdin=MESSAGE, env=None, command=None):
    """Run ``mailtrap sendmail ARGS`` against ``trap`` (through MAILTRAP_SMTP unless env says)."""
    environment = {**os.environ, "MAILTRAP_SMTP": f"127.0.0.1:{trap.smtp_port}", **(env or {})}
    environment = {k: v for k, v in environment.items() if v is not None}
    command = command or [sys.executable, "-m", "mailtrap", "sendmail"]
    return subprocess.run(
        [*command, *args], input=stdin, env=environment, capture_output=True, timeout=30
    )


def test_recipients_as_arguments_and_a_lone_dot_ends_the_message(mailtrap):
    result = sendmail(mailtrap, "alice@example.com", "Bob <bob@example.com>, carol@example.com")
    assert result.returncode == 0, result.stderr
    [msg] = mailtrap.wait_for()
    assert msg.recipients == ["alice@example.com", "bob@example.com", "carol@example.com"]
    # Without -i a line holding a single dot ends the input; line endings become CRLF, and a
    # From field is added (the message had none), naming the invoking user.
    assert msg.raw.endswith(b"\r\n\r\nfirst\r\n.leading dot\r\n")
    assert msg.raw.startswith(b"From: ") and msg.sender == msg.from_.address
    assert "@" in msg.sender


@pytest.mark.parametrize("flag", ["-i", "-oi"])
def test_with_i_a_lone_dot_is_just_a_line(mailtrap, flag):
    result = sendmail(mailtrap, flag, "alice@example.com")
    assert result.returncode == 0, result.stderr
    [msg] = mailtrap.wait_for()
    # The dot lines travel dot-stuffed over SMTP and are stored as written.
    assert msg.raw.endswith(b"\r\n\r\nfirst\r\n.leading dot\r\n.\r\nafter the dot\r\n")


def test_t_reads_recipients_from_the_header_and_drops_bcc(mailtrap):
    raw = (
        b"From: App <app@example.com>\r\nTo: Alice <alice@example.com>, bob@example.com\r\n"
        b"Cc: carol@example.com\r\nBcc: secret@example.com,\r\n  other@example.com\r\n"
        b"Subject: by -t\r\n\r\nbody\r\n"
    )
    result = sendmail(mailtrap, "-t", "-i", "extra@example.com", stdin=raw)
    assert result.returncode == 0, result.stderr
    [msg] = mailtrap.wait_for()
    assert msg.recipients == [
        "extra@example.com",
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
        "secret@example.com",
        "other@example.com",
    ]
    assert b"Bcc" not in msg.raw and b"secret" not in msg.raw
    assert msg.raw == raw.replace(b"Bcc: secret@example.com,\r\n  other@example.com\r\n", b"")


def test_f_and_capital_f_set_the_sender(mailtrap):
    result = sendmail(mailtrap, "-f", "bounce@example.com", "-F", "Jürgen App", "alice@example.com")
    assert result.returncode == 0, result.stderr
    assert sendmail(mailtrap, "-rother@example.com", "-F", "Ignored", "alice@example.com",
                    stdin=b"From: Kept <kept@example.com>\n\nx\n").returncode == 0  # fmt: skip
    first, second = mailtrap.wait_for(count=2)
    assert first.sender == "bounce@example.com"
    assert first.from_.name == "Jürgen App" and first.from_.address == "bounce@example.com"
    assert second.sender == "other@example.com"
    assert second.raw == b"From: Kept <kept@example.com>\r\n\r\nx\r\n"  # From present: unchanged


def test_options_only_an_mta_needs_are_ignored(mailtrap):
    result = sendmail(mailtrap, "-odi", "-oem", "-v", "-B", "8BITMIME", "-ti", "--")
    assert result.returncode == 0, result.stderr
    assert mailtrap.wait_for(to="alice@example.com")


@pytest.mark.parametrize("form", ["{port}", "0.0.0.0:{port}", "127.0.0.1:{port}"])
def test_smtp_flag_and_variable(mailtrap, form):
    address = form.format(port=mailtrap.smtp_port)
    # The flag beats the variable (which names a closed port here).
    result = sendmail(mailtrap, "--smtp", address, "alice@example.com", env={"MAILTRAP_SMTP": "1"})
    assert result.returncode == 0, result.stderr
    result = sendmail(mailtrap, "alice@example.com", env={"MAILTRAP_SMTP": address})
    assert result.returncode == 0, result.stderr
    assert len(mailtrap.wait_for(count=2)) == 2


@pytest.mark.parametrize(
    ("args", "env", "status", "says"),
    [
        (["--smtp", "off", "a@example.com"], {}, EX_UNAVAILABLE, "SMTP is off"),
        (["a@example.com"], {"MAILTRAP_SMTP": "off"}, EX_UNAVAILABLE, "SMTP is off"),
        (["--smtp", "127.0.0.1:1", "a@example.com"], {}, EX_UNAVAILABLE, "127.0.0.1:1"),
        (["--smtp", "nonsense:port", "a@example.com"], {}, EX_USAGE, "--smtp"),
        ([], {}, EX_USAGE, "no recipients"),
        (["--bogus", "a@example.com"], {}, EX_USAGE, "--bogus"),
        (["-bp"], {}, EX_USAGE, "-bp"),
        (["@@"], {}, EX_NOUSER, "553"),
    ],
)
def test_exit_statuses(mailtrap, args, env, status, says):
    result = sendmail(mailtrap, *args, env=env)
    assert result.returncode == status
    [line] = result.stderr.decode().splitlines()  # one line, no traceback
    assert says in line
    assert mailtrap.messages() == []


def test_bs_speaks_smtp_on_standard_input_and_output(mailtrap):
    session = (
        b"EHLO client\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<alice@example.com>\r\nDATA\r\n"
        b"Subject: over -bs\r\n\r\nbody\r\n.\r\nQUIT\r\n"
    )
    result = sendmail(mailtrap, "-bs", stdin=session)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(b"220 ") and result.stdout.endswith(b"221 Bye\r\n")
    [msg] = mailtrap.wait_for()
    assert msg.raw == b"Subject: over -bs\r\n\r\nbody\r\n"


def test_runs_as_sendmail_through_a_link(mailtrap, tmp_path):
    script = shutil.which("mailtrap", path=os.path.dirname(sys.executable))
    assert script is not None
    link = tmp_path / "sendmail"
    link.symlink_to(script)
    result = sendmail(mailtrap, "-t", "-i", command=[str(link)])
    assert result.returncode == 0, result.stderr
    assert mailtrap.wait_for(to="alice@example.com")


def test_php_mail_uses_it(mailtrap, need_tool, tmp_path):
    php = need_tool("php", "php-cli")
    script = tmp_path / "send.php"
    script.write_text(
        '<?php exit(mail("alice@example.com", "From PHP", "Hello\\n.\\nfrom PHP",'
        ' "From: app@example.com\\r\\nCc: bob@example.com") ? 0 : 1);'
    )
    command = f"{sys.executable} -m mailtrap sendmail -t -i"
    result = subprocess.run(
        [php, "-d", f"sendmail_path={command}", str(script)],
        env={**os.environ, "MAILTRAP_SMTP": str(mailtrap.smtp_port)},
        capture_output=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    [msg] = mailtrap.wait_for(subject="From PHP")
    assert msg.recipients == ["alice@example.com", "bob@example.com"]
    assert msg.text.replace("\r\n", "\n") == "Hello\n.\nfrom PHP\n"
