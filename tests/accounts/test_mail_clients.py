"""Real mail clients against a users file, tried as a new user would: fetchmail (POP3 and IMAP)
and mutt (IMAP and POP3). The right password reads the mail; a wrong one reads nothing and the
client shows the server's refusal."""

from __future__ import annotations

import os
import smtplib
import subprocess

import pytest
from mailclients import make_mda

from mailtrap import MailTrap
from mailtrap.auth import Users
from mailtrap.auth.hashes import hash_password

ALICE = "alice@example.com"
MESSAGE = b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: for alice\r\n\r\nhi\r\n"


@pytest.fixture
def trap(tmp_path):
    path = tmp_path / "users"
    path.write_text(
        f"{ALICE}:{hash_password('s3cret pw', 'bcrypt', 4)}\nbob@example.com:{{PLAIN}}b\n"
    )
    with MailTrap(auth="users", users=Users.read(str(path))) as trap:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [ALICE, "bob@example.com"], MESSAGE)
        trap.wait_for(to=ALICE)
        yield trap


def fetchmail(tool, trap, tmp_path, protocol, password):
    mda, folder = make_mda(tmp_path)
    port = trap.pop3_port if protocol == "POP3" else trap.imap_port
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f"poll localhost service {port} protocol {protocol}\n"
        f'  user "{ALICE}" password "{password}" sslproto \'\' keep\n'
    )
    rc.chmod(0o600)
    done = subprocess.run(
        [
            tool,
            "-f",
            str(rc),
            "--nodetach",
            "--nosyslog",
            "--verbose",  # the dialogue, the server's refusal included
            "--pidfile",
            str(tmp_path / "fetchmail.pid"),
            "--idfile",
            str(tmp_path / "fetchids"),
            "--mda",
            " ".join(mda),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    return done, sorted(p.read_bytes() for p in folder.iterdir())


@pytest.mark.parametrize("protocol", ["POP3", "IMAP"])
def test_fetchmail_with_the_right_password_gets_the_mail(trap, need_tool, tmp_path, protocol):
    done, got = fetchmail(need_tool("fetchmail"), trap, tmp_path, protocol, "s3cret pw")
    assert done.returncode == 0, done.stderr
    assert len(got) == 1 and b"Subject: for alice" in got[0]


@pytest.mark.parametrize(
    ("protocol", "refusal"),
    [("POP3", "[AUTH] authentication failed"), ("IMAP", "[AUTHENTICATIONFAILED]")],
)
def test_fetchmail_with_a_wrong_password_gets_nothing(trap, need_tool, tmp_path, protocol, refusal):
    done, got = fetchmail(need_tool("fetchmail"), trap, tmp_path, protocol, "wrong")
    assert got == []
    assert done.returncode == 3, done.stderr  # fetchmail's "authentication failed"
    assert refusal in done.stdout + done.stderr, done.stdout + done.stderr


def mutt(tool, script, trap, tmp_path, url, password):
    """Open ``url`` in mutt, save every message to an mbox, quit; (screen text, saved bytes)."""
    rc = tmp_path / "muttrc"
    saved = tmp_path / "saved.mbox"
    rc.write_text(
        f'set imap_pass = "{password}"\nset pop_pass = "{password}"\n'
        "set ssl_force_tls = no\nset ssl_starttls = no\n"
        "set mbox_type = mbox\nset confirmcreate = no\nset confirmappend = no\n"
        f'set move = no\nset record = ""\nset header_cache = ""\nset folder = {tmp_path}\n'
    )
    keys = f"<tag-pattern>~A<enter><tag-prefix><copy-message>{saved}<enter><quit>"
    screen = tmp_path / "screen"
    subprocess.run(
        [script, "-qec", f"{tool} -n -F {rc} -f '{url}' -e 'push \"{keys}\"'", str(screen)],
        capture_output=True,
        timeout=60,
        env={**os.environ, "TERM": "xterm", "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
    )
    text = screen.read_text(errors="replace") if screen.exists() else ""
    return text, saved.read_bytes() if saved.exists() else b""


@pytest.mark.parametrize("scheme", ["imap", "pop"])
def test_mutt_reads_with_the_right_password_only(trap, need_tool, tmp_path, scheme):
    tool, script = need_tool("mutt"), need_tool("script", "bsdutils")
    port = trap.imap_port if scheme == "imap" else trap.pop3_port
    url = f"{scheme}://{ALICE.replace('@', '%40')}@localhost:{port}/" + (
        "INBOX" if scheme == "imap" else ""
    )
    _, saved = mutt(tool, script, trap, tmp_path, url, "s3cret pw")
    assert b"Subject: for alice" in saved
    (tmp_path / "saved.mbox").unlink()
    screen, saved = mutt(tool, script, trap, tmp_path, url, "wrong")
    assert saved == b""
    # mutt says so: over POP3 with the server's own words, over IMAP as its SASL report
    shown = "[AUTH] authentication failed" if scheme == "pop" else "authentication failed"
    assert shown in screen, screen[-2000:]
