"""Real IMAP clients from Debian that write, tried as a new user would: mbsync pushing a local
Maildir with folders up to the server, mutt saving and moving messages between folders, and
offlineimap syncing both ways. The server must end up with exactly what they wrote.

mbsync (isync), mutt and offlineimap (offlineimap3) are required: each test skips locally, and
fails under CI=true, when its client is missing (``need_tool``).
"""

from __future__ import annotations

import os
import smtplib
import subprocess
from pathlib import Path

from mailclients import ALICE, crlf, run, run_mutt, without_added_headers

from mailtrap.store import MailboxId


def message(subject: str, body: str = "hello") -> bytes:
    return (
        f"From: Ann <ann@example.org>\nTo: {ALICE}\nSubject: {subject}\n"
        f"Message-ID: <{subject.replace(' ', '-')}@example.org>\n\n{body}\n"
    ).encode()


def maildir(root: Path, name: str, *messages: tuple[str, bytes]) -> Path:
    """A Maildir folder holding ``messages`` ((Maildir flags, bytes) each), in cur/."""
    folder = root / name
    for sub in ("cur", "new", "tmp"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for flags, raw in messages:
        number = len(list(folder.joinpath("cur").iterdir()))
        unique = f"{1700000000 + number}.{number}_{name.replace('/', '_')}.host"
        (folder / "cur" / f"{unique}:2,{flags}").write_bytes(raw)
    return folder


def server_folder(trap, folder: str) -> list[tuple[bytes, frozenset[str]]]:
    """(bytes without client-added fields, flags) of each message of one of alice's folders."""
    snapshot = trap.store.snapshot(MailboxId(ALICE, folder))
    return [
        (without_added_headers(trap.store.raw(e.message.id)), e.flags) for e in snapshot.entries
    ]


# -- mbsync pushing a Maildir with folders ---------------------------------------------------------


def test_mbsync_pushes_a_maildir_with_folders(mailtrap_factory, need_tool, tmp_path):
    binary = need_tool("mbsync", "isync")
    mailtrap = mailtrap_factory()  # its own server: the folders made here stay behind
    local = tmp_path / "mail"
    maildir(local, "INBOX", ("S", message("old inbox mail")))
    maildir(local, "Projects", ("S", message("plan")), ("FS", message("flagged plan")))
    maildir(local, "Projects/2024", ("", message("unread report")))
    maildir(local, "Lists/python", ("RS", message("answered list mail")))
    config = tmp_path / "mbsyncrc"
    config.write_text(
        f"IMAPAccount trap\nHost localhost\nPort {mailtrap.imap_port}\nUser {ALICE}\n"
        "Pass secret\nSSLType None\nAuthMechs PLAIN\n\n"
        "IMAPStore trap-remote\nAccount trap\n\n"
        f"MaildirStore trap-local\nPath {local}/\nInbox {local}/INBOX\nSubFolders Verbatim\n\n"
        "Channel trap\nFar :trap-remote:\nNear :trap-local:\nPatterns *\n"
        "Create Both\nSync Push\nSyncState *\n"
    )
    run([binary, "-c", str(config), "-a"], env={**os.environ, "HOME": str(tmp_path)})
    folders = mailtrap.mailbox(ALICE).folders
    assert {"Projects", "Projects/2024", "Lists", "Lists/python"} <= set(folders)
    assert server_folder(mailtrap, "INBOX") == [(crlf(message("old inbox mail")), {"\\Seen"})]
    assert server_folder(mailtrap, "Projects") == [
        (crlf(message("plan")), {"\\Seen"}),
        (crlf(message("flagged plan")), {"\\Seen", "\\Flagged"}),
    ]
    assert server_folder(mailtrap, "Projects/2024") == [(crlf(message("unread report")), set())]
    assert server_folder(mailtrap, "Lists/python") == [
        (crlf(message("answered list mail")), {"\\Seen", "\\Answered"})
    ]
    # a second run pushes nothing twice
    run([binary, "-c", str(config), "-a"], env={**os.environ, "HOME": str(tmp_path)})
    assert len(mailtrap.messages()) == 5


# -- mutt saving and moving messages between folders -----------------------------------------------


def test_mutt_saves_copies_and_moves_between_folders(mailtrap_factory, need_tool, tmp_path):
    binary = need_tool("mutt")
    mailtrap = mailtrap_factory()
    script = need_tool("script", "bsdutils")
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port) as smtp:
        for subject in ("invoice", "newsletter", "meeting"):
            smtp.sendmail("ann@example.org", [ALICE], crlf(message(subject)))
    mailtrap.wait_for(count=3, to=ALICE)
    user = ALICE.replace("@", "%40")
    base = f"imap://{user}@localhost:{mailtrap.imap_port}"
    settings = (
        'set imap_pass = "secret"\nset ssl_force_tls = no\nset ssl_starttls = no\n'
        "set delete = yes\n"  # purge what was saved elsewhere without asking
    )
    # invoice: saved (moved) to Archive; newsletter: moved to Trash; meeting: copied to a new
    # folder Work/Meetings (mutt creates it: confirmcreate is off)
    keys = (
        f"<search>invoice<enter><save-message>{base}/Archive<enter>"
        f"<search>newsletter<enter><save-message>{base}/Trash<enter>"
        f"<search>meeting<enter><copy-message>{base}/Work/Meetings<enter>"
        "<sync-mailbox>"
    )
    run_mutt(binary, script, tmp_path, settings, f"{base}/INBOX", keys=keys)
    assert [raw for raw, _ in server_folder(mailtrap, "INBOX")] == [crlf(message("meeting"))]
    assert [raw for raw, _ in server_folder(mailtrap, "Archive")] == [crlf(message("invoice"))]
    assert [raw for raw, _ in server_folder(mailtrap, "Trash")] == [crlf(message("newsletter"))]
    assert [raw for raw, _ in server_folder(mailtrap, "Work/Meetings")] == [
        crlf(message("meeting"))
    ]
    assert len(mailtrap.messages()) == 3  # a copy is stored once


# -- offlineimap, both ways ----------------------------------------------------------------------


def offlineimap(binary: str, tmp_path: Path, port: int) -> None:
    config = tmp_path / "offlineimaprc"
    config.write_text(
        "[general]\naccounts = trap\nmetadata = "
        f"{tmp_path / 'offlineimap-state'}\n\n"
        "[Account trap]\nlocalrepository = local\nremoterepository = remote\n\n"
        f"[Repository local]\ntype = Maildir\nlocalfolders = {tmp_path / 'mail'}\n"
        "sep = /\n\n"
        "[Repository remote]\ntype = IMAP\nremotehost = localhost\n"
        f"remoteport = {port}\nremoteuser = {ALICE}\nremotepass = secret\n"
        "ssl = no\nstarttls = no\n"
    )
    run(
        [binary, "-c", str(config), "-o", "-u", "basic"],
        env={**os.environ, "HOME": str(tmp_path)},
        stdin=subprocess.DEVNULL,
    )


def local_messages(folder: Path) -> dict[bytes, str]:
    """Subject line -> Maildir flags of each message in a local folder."""
    found = {}
    for path in [*folder.joinpath("cur").iterdir(), *folder.joinpath("new").iterdir()]:
        lines = path.read_bytes().splitlines()
        subject = next(line for line in lines if line.startswith(b"Subject:"))
        found[subject] = path.name.rpartition(":2,")[2] if ":2," in path.name else ""
    return found


def test_offlineimap_syncs_both_ways(mailtrap_factory, need_tool, tmp_path):
    binary = need_tool("offlineimap", "offlineimap3")
    mailtrap = mailtrap_factory()
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port) as smtp:
        smtp.sendmail("ann@example.org", [ALICE], crlf(message("from the server")))
    mailtrap.wait_for(to=ALICE)
    mailtrap.mailbox(ALICE, "Archive").append(crlf(message("archived")), flags=["\\Seen"])
    local = tmp_path / "mail"
    maildir(local, "Notes", ("S", message("written offline")))
    offlineimap(binary, tmp_path, mailtrap.imap_port)
    # down: the server's folders and mail are local now; up: the local folder is on the server
    assert local_messages(local / "INBOX") == {b"Subject: from the server": ""}
    assert local_messages(local / "Archive") == {b"Subject: archived": "S"}
    assert [raw for raw, _ in server_folder(mailtrap, "Notes")] == [
        crlf(message("written offline"))
    ]
    # both sides change; the second run carries each change across
    [inbox_file] = (local / "INBOX").joinpath("new").iterdir()
    inbox_file.rename(local / "INBOX" / "cur" / (inbox_file.name.split(":")[0] + ":2,FS"))
    maildir(local, "Notes", ("S", message("second note")))
    mailtrap.mailbox(ALICE, "Archive").append(crlf(message("archived later")))
    offlineimap(binary, tmp_path, mailtrap.imap_port)
    assert server_folder(mailtrap, "INBOX")[0][1] == {"\\Seen", "\\Flagged"}
    assert sorted(raw for raw, _ in server_folder(mailtrap, "Notes")) == sorted(
        [crlf(message("written offline")), crlf(message("second note"))]
    )
    assert local_messages(local / "Archive") == {
        b"Subject: archived": "S",
        b"Subject: archived later": "",
    }
