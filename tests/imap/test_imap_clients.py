"""Real IMAP clients from Debian read mailboxes seeded over SMTP; contents are compared.

mbsync (package isync), fetchmail and curl are required. Each test skips locally, and fails
under CI=true, when its client is missing (``need_tool``).
"""

from __future__ import annotations

import os
import smtplib
from pathlib import Path

import pytest
from mailclients import ALICE, BOB, run, run_fetchmail, run_mutt, seed, without_added_headers

PLAIN = b"From: App <app@example.com>\r\nTo: alice@example.com\r\nSubject: plain\r\n\r\nhello\r\n"
MULTIPART = (
    b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: attachment\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
    b"--XYZ\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    b"--XYZ\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename=data.bin\r\n\r\nAAECAwQFBgcICQ==\r\n"
    b"--XYZ\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner body\r\n"
    b"--XYZ--\r\n"
)
EIGHT_BIT = (
    b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n\r\nGr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n"
)
ALICES = [PLAIN, MULTIPART, EIGHT_BIT]
# -- mbsync (isync) ------------------------------------------------------------------------------


def mbsync(need_tool, tmp_path: Path, port: int, tls: str = "None", ca: str | None = None):
    """Pull alice's INBOX into a Maildir with mbsync; returns the Maildir's INBOX folder."""
    binary = need_tool("mbsync", "isync")
    maildir = tmp_path / "mail"
    maildir.mkdir(exist_ok=True)
    config = tmp_path / "mbsyncrc"
    certificate = f"CertificateFile {ca}\n" if ca else ""
    config.write_text(
        "IMAPAccount trap\n"
        "Host localhost\n"
        f"Port {port}\n"
        f"User {ALICE}\n"
        "Pass secret\n"
        f"SSLType {tls}\n"
        f"{certificate}"
        "AuthMechs PLAIN\n"
        "\n"
        "IMAPStore trap-remote\nAccount trap\n\n"
        f"MaildirStore trap-local\nPath {maildir}/\nInbox {maildir}/INBOX\n\n"
        "Channel trap\nFar :trap-remote:\nNear :trap-local:\nPatterns *\n"
        "Create Near\nSync Pull\nSyncState *\n"
    )
    run([binary, "-c", str(config), "-a"], env={**os.environ, "HOME": str(tmp_path)})
    return maildir / "INBOX"


def maildir_messages(folder: Path) -> list[bytes]:
    files = sorted(
        [*folder.joinpath("new").iterdir(), *folder.joinpath("cur").iterdir()],
        key=lambda p: int(p.name.split(",U=")[1].split(",")[0].split(":")[0]),
    )
    return [without_added_headers(path.read_bytes()) for path in files]


def test_mbsync_pulls_the_mailbox(mailtrap, need_tool, tmp_path):
    seed(mailtrap, ALICES)
    inbox = mbsync(need_tool, tmp_path, mailtrap.imap_port)
    assert maildir_messages(inbox) == ALICES
    # A second run finds nothing new and changes nothing.
    mbsync(need_tool, tmp_path, mailtrap.imap_port)
    assert maildir_messages(inbox) == ALICES
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port) as smtp:
        smtp.sendmail("app@example.com", [ALICE], PLAIN.replace(b"plain", b"later"))
    mailtrap.wait_for(subject="later")
    assert maildir_messages(mbsync(need_tool, tmp_path, mailtrap.imap_port)) == [
        *ALICES,
        PLAIN.replace(b"plain", b"later"),
    ]


@pytest.mark.parametrize("mode", ["STARTTLS", "IMAPS"])
def test_mbsync_over_tls(tls_trap, need_tool, tmp_path, mode):
    seed(tls_trap, ALICES)
    port = tls_trap.imap_port if mode == "STARTTLS" else tls_trap.imaps_port
    inbox = mbsync(need_tool, tmp_path, port, tls=mode, ca=tls_trap.ca_path)
    assert maildir_messages(inbox) == ALICES


# -- fetchmail -----------------------------------------------------------------------------------


def fetchmail(need_tool, tmp_path, mda, port: int, options: str) -> list[bytes]:
    binary = need_tool("fetchmail")
    command, folder = mda
    run_fetchmail(binary, tmp_path, command, f"service {port} protocol IMAP auth password", options)
    return [without_added_headers(p.read_bytes()) for p in sorted(folder.iterdir())]


def test_fetchmail_downloads_and_deletes(mailtrap, need_tool, tmp_path, mda):
    seed(mailtrap, ALICES)
    assert fetchmail(need_tool, tmp_path, mda, mailtrap.imap_port, "sslproto ''") == ALICES
    assert mailtrap.mailbox(ALICE).messages == []  # flagged \Deleted and expunged
    assert [m.raw for m in mailtrap.mailbox(BOB).messages] == [PLAIN]


def test_fetchmail_keep_fetches_only_unseen_mail(mailtrap, need_tool, tmp_path, mda):
    seed(mailtrap, ALICES)
    options = "sslproto '' keep"
    assert fetchmail(need_tool, tmp_path, mda, mailtrap.imap_port, options) == ALICES
    assert mailtrap.mailbox(ALICE).unread == 0
    assert fetchmail(need_tool, tmp_path, mda, mailtrap.imap_port, options) == ALICES
    assert len(mailtrap.mailbox(ALICE).messages) == 3


def test_fetchmail_over_starttls(tls_trap, need_tool, tmp_path, mda):
    seed(tls_trap, ALICES)
    options = f"sslproto tls1.2+ sslcertck sslcertfile {tls_trap.ca_path} keep"
    assert fetchmail(need_tool, tmp_path, mda, tls_trap.imap_port, options) == ALICES


# -- curl ----------------------------------------------------------------------------------------


def curl(need_tool, url: str, *options: str) -> bytes:
    return run([need_tool("curl"), "-sS", "--user", f"{ALICE}:secret", *options, url]).stdout


def test_curl_lists_searches_and_fetches(mailtrap, need_tool):
    seed(mailtrap, ALICES)
    base = f"imap://{mailtrap.smtp_host}:{mailtrap.imap_port}"
    assert curl(need_tool, base + "/").startswith(b'* LIST (\\HasNoChildren) "/" INBOX\r\n')
    search = curl(need_tool, base + "/INBOX", "--request", "UID SEARCH ALL")
    assert search.startswith(b"* SEARCH ") and search.endswith(b"\r\n")
    uids = search.split()[2:]  # UIDs are never reused, so they go on across tests
    assert len(uids) == 3
    got = [curl(need_tool, f"{base}/INBOX;UID={uid.decode()}") for uid in uids]
    assert got == ALICES
    second = uids[1].decode()
    assert curl(need_tool, f"{base}/INBOX;UID={second};SECTION=1") == b"see attached"
    assert curl(need_tool, f"{base}/INBOX?SUBJECT%20attachment") == b"* SEARCH 2\r\n"


def test_curl_over_imaps(tls_trap, need_tool):
    seed(tls_trap, ALICES)
    base = f"imaps://localhost:{tls_trap.imaps_port}"
    got = curl(need_tool, f"{base}/INBOX;UID=3", "--cacert", str(tls_trap.ca_path))
    assert got == EIGHT_BIT  # a fresh server: UIDs start at 1
    starttls = f"imap://localhost:{tls_trap.imap_port}/INBOX;UID=1"
    assert curl(need_tool, starttls, "--ssl-reqd", "--cacert", str(tls_trap.ca_path)) == PLAIN


# -- mutt: what a new user would try next ---------------------------------------------------------


@pytest.mark.parametrize("mode", ["plain", "starttls"])
def test_mutt_opens_inbox_and_saves_every_message(mailtrap, tls_trap, need_tool, tmp_path, mode):
    binary = need_tool("mutt")
    script = need_tool("script", "bsdutils")
    trap = mailtrap if mode == "plain" else tls_trap
    seed(trap, ALICES)
    # By default mutt insists on TLS (ssl_force_tls): a plain server needs it switched off.
    security = (
        "set ssl_force_tls = no\nset ssl_starttls = no\n"
        if mode == "plain"
        else f"set ssl_force_tls = yes\nset ssl_ca_certificates_file = {trap.ca_path}\n"
    )
    user = ALICE.replace("@", "%40")
    url = f"imap://{user}@localhost:{trap.imap_port}/INBOX"
    settings = f'set imap_pass = "secret"\n{security}set imap_idle = yes\n'
    got = run_mutt(binary, script, tmp_path, settings, url)
    assert [without_added_headers(m.as_bytes()) for m in got] == ALICES
    assert len(trap.mailbox(ALICE).messages) == 3
