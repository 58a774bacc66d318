"""Helpers for the tests that drive real mail clients from Debian (fetchmail, curl, mbsync, ...).

On the test path through ``pythonpath`` in pyproject.toml; the fixtures built on these (``mda``,
``tls_trap``) are in tests/conftest.py.
"""

from __future__ import annotations

import mailbox
import os
import smtplib
import subprocess
import sys
from pathlib import Path

ALICE, BOB = "alice@example.com", "bob@example.com"
#: Seconds a client may take.
TIMEOUT = 30

#: An MDA: saves the message on stdin as the next numbered file in the directory it is given.
SAVE = """\
import pathlib, sys
folder = pathlib.Path(sys.argv[1])
(folder / f"{len(list(folder.iterdir())):04}.eml").write_bytes(sys.stdin.buffer.read())
"""


def crlf(data: bytes) -> bytes:
    """``data`` with every line ending made CRLF (clients store bare LF)."""
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


#: Fields clients add when they store a message: fetchmail's Received:, mbsync's X-TUID:, and
#: mutt's mbox bookkeeping.
ADDED_FIELDS = (b"received", b"x-tuid", b"content-length", b"lines", b"status", b"x-status")


def without_added_headers(data: bytes) -> bytes:
    """Drop the :data:`ADDED_FIELDS` a client adds when it stores a message."""
    lines = crlf(data).split(b"\r\n")
    kept, skipping = [], False
    for index, line in enumerate(lines):
        if line == b"":
            kept += lines[index:]
            break
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                kept.append(line)
            continue
        skipping = line.split(b":")[0].lower() in ADDED_FIELDS
        if not skipping:
            kept.append(line)
    return b"\r\n".join(kept)


def run(args: list[str], codes: tuple[int, ...] = (0,), **kwargs) -> subprocess.CompletedProcess:
    """Run a client; its exit code must be one of ``codes`` (the assertion shows its output)."""
    result = subprocess.run(args, capture_output=True, timeout=TIMEOUT, check=False, **kwargs)
    assert result.returncode in codes, (args, result.stdout[-3000:], result.stderr[-3000:])
    return result


def seed(trap, messages: list[bytes]) -> None:
    """Send ``messages`` to alice over SMTP (the first one to bob too) and wait for them."""
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        for index, raw in enumerate(messages):
            smtp.sendmail("app@example.com", [ALICE, BOB] if index == 0 else [ALICE], raw)
    trap.wait_for(count=len(messages), to=ALICE)


def make_mda(tmp_path: Path) -> tuple[list[str], Path]:
    """(command, folder): a delivery command that saves each message it gets into ``folder``."""
    script = tmp_path / "save.py"
    script.write_text(SAVE)
    folder = tmp_path / "delivered"
    folder.mkdir()
    return [sys.executable, str(script), str(folder)], folder


def run_fetchmail(
    binary: str, tmp_path: Path, mda: list[str], poll: str, options: str
) -> subprocess.CompletedProcess:
    """Poll alice's mailbox once with fetchmail, handing each message to the ``mda`` command.

    ``poll`` is the server part of the poll line (``service PORT protocol IMAP ...``).
    """
    rc = tmp_path / "fetchmailrc"
    rc.write_text(f'poll localhost {poll}\n  user "{ALICE}" password "secret" {options}\n')
    rc.chmod(0o600)
    return run(
        [
            binary,
            "-f",
            str(rc),
            "--nodetach",
            "--nosyslog",
            "--invisible",
            "--pidfile",  # as root the default is one /var/run file shared by parallel runs
            str(tmp_path / "fetchmail.pid"),
            "--idfile",
            str(tmp_path / "fetchids"),
            "--mda",
            " ".join(mda),
        ],
        codes=(0, 1),  # 1: no new mail
        env={**os.environ, "HOME": str(tmp_path)},
    )


def run_mutt(
    mutt: str, script: str, tmp_path: Path, settings: str, url: str, keys: str | None = None
) -> list[mailbox.mboxMessage]:
    """Open ``url`` in mutt, copy every message to an mbox and quit; the messages copied.

    ``settings`` are the protocol's muttrc lines (password, TLS); mutt needs a terminal, which
    script(1) gives it. With ``keys``, mutt does those instead of the copy, then quits (and
    nothing is copied).
    """
    rc = tmp_path / "muttrc"
    saved = tmp_path / "saved.mbox"
    rc.write_text(
        settings + "set mbox_type = mbox\nset confirmcreate = no\nset confirmappend = no\n"
        'set move = no\nset record = ""\nset header_cache = ""\n'
        f"set folder = {tmp_path}\n"  # else mutt first asks whether to create ~/Mail
    )
    keys = (keys or f"<tag-pattern>~A<enter><tag-prefix><copy-message>{saved}<enter>") + "<quit>"
    run(
        [script, "-qec", f"{mutt} -n -F {rc} -f '{url}' -e 'push \"{keys}\"'", "/dev/null"],
        env={**os.environ, "TERM": "xterm", "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
    )
    return list(mailbox.mbox(saved)) if saved.exists() else []
