"""Real POP3 clients from Debian download mailboxes seeded over SMTP; contents are compared.

fetchmail and curl are required; mpop, getmail and mutt are what a new user would try next.
Each test skips locally, and fails under CI=true, when its client is missing (``need_tool``).
"""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from mailclients import ALICE, BOB, crlf, run, run_fetchmail, run_mutt, seed

DOTS = (
    b"From: App <app@example.com>\r\nTo: alice@example.com\r\nSubject: dots\r\n\r\n"
    b".leading dot\r\n.\r\n..two dots\r\nmiddle . dot\r\n"
)
MULTIPART = (
    b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: attachment\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XYZ\r\n\r\n"
    b"--XYZ\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
    b"--XYZ\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename=data.bin\r\n\r\nAAECAwQFBgcICQ==\r\n--XYZ--\r\n"
)
EIGHT_BIT = (
    b"From: app@example.com\r\nTo: alice@example.com\r\nSubject: 8bit\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"Gr\xc3\xbc\xc3\x9fe aus K\xc3\xb6ln\r\n"
)
ALICES = [DOTS, MULTIPART, EIGHT_BIT]


def delivered(folder: Path) -> list[bytes]:
    return [crlf(path.read_bytes()) for path in sorted(folder.iterdir())]


# -- fetchmail -----------------------------------------------------------------------------------


def fetchmail(need_tool, tmp_path, mda, port: int, options: str, uidl: bool = False) -> list[bytes]:
    """Poll alice's maildrop once with fetchmail; the messages its MDA received."""
    binary = need_tool("fetchmail")
    command, folder = mda
    uidl = "uidl " if uidl else ""
    poll = f"service {port} protocol POP3 {uidl}auth password"
    run_fetchmail(binary, tmp_path, command, poll, options)
    return delivered(folder)


def test_fetchmail_downloads_and_deletes_only_alices_copies(mailtrap, need_tool, tmp_path, mda):
    seed(mailtrap, ALICES)
    got = fetchmail(need_tool, tmp_path, mda, mailtrap.pop3_port, "sslproto ''")
    assert got == ALICES
    assert mailtrap.mailbox(ALICE).messages == []  # fetched mail is deleted (DELE + QUIT)
    assert [m.raw for m in mailtrap.mailbox(BOB).messages] == [DOTS]


def test_fetchmail_keep_with_uidl_fetches_only_new_mail(mailtrap, need_tool, tmp_path, mda):
    seed(mailtrap, ALICES)
    port, options = mailtrap.pop3_port, "sslproto '' keep"
    assert fetchmail(need_tool, tmp_path, mda, port, options, uidl=True) == ALICES
    # The second poll finds nothing new: the same UIDLs as before.
    assert fetchmail(need_tool, tmp_path, mda, port, options, uidl=True) == ALICES
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port) as smtp:
        smtp.sendmail("app@example.com", [ALICE], DOTS.replace(b"dots", b"later"))
    mailtrap.wait_for(subject="later")
    got = fetchmail(need_tool, tmp_path, mda, port, options, uidl=True)
    assert got == [*ALICES, DOTS.replace(b"dots", b"later")]
    assert len(mailtrap.mailbox(ALICE).messages) == 4


@pytest.fixture
def cn_trap(mailtrap_factory):
    """A TLS mailtrap whose generated certificate fetchmail verifies (it needs a subject CN)."""
    trap = mailtrap_factory(tls=True)
    return trap, trap.ca_path


@pytest.mark.parametrize("mode", ["stls", "pop3s"])
def test_fetchmail_over_tls(cn_trap, need_tool, tmp_path, mda, mode):
    trap, ca_path = cn_trap
    seed(trap, ALICES)
    if mode == "stls":
        port, options = trap.pop3_port, "sslproto tls1.2+"
    else:
        port, options = trap.pop3s_port, "ssl"
    options += f" sslcertck sslcertfile {ca_path} keep"
    assert fetchmail(need_tool, tmp_path, mda, port, options) == ALICES


# -- curl ----------------------------------------------------------------------------------------


def curl(need_tool, url: str, *options: str) -> bytes:
    return run([need_tool("curl"), "-sS", "--user", f"{ALICE}:secret", *options, url]).stdout


def curl_download_all(need_tool, base: str, *options: str) -> list[bytes]:
    """What curl's pop3:// does for a new user: list the maildrop, then fetch each message."""
    listing = curl(need_tool, base + "/", *options).decode().split()
    numbers = listing[::2]
    return [curl(need_tool, f"{base}/{n}", *options) for n in numbers]


def test_curl_downloads_the_maildrop_exactly(mailtrap, need_tool):
    seed(mailtrap, ALICES)
    base = f"pop3://{mailtrap.smtp_host}:{mailtrap.pop3_port}"
    assert curl_download_all(need_tool, base) == ALICES
    sizes = curl(need_tool, base + "/").decode().split()[1::2]
    assert sizes == [str(len(m)) for m in ALICES]
    assert len(mailtrap.mailbox(ALICE).messages) == 3  # curl reads, never deletes by itself


def test_curl_custom_request_dele_removes_one_message(mailtrap, need_tool):
    seed(mailtrap, ALICES)
    base = f"pop3://{mailtrap.smtp_host}:{mailtrap.pop3_port}"
    # curl sends the custom command with the message number; -I: a one-line reply, no body.
    curl(need_tool, base + "/2", "--request", "DELE", "--head")
    assert [m.raw for m in mailtrap.mailbox(ALICE).messages] == [DOTS, EIGHT_BIT]


@pytest.mark.parametrize("mode", ["stls", "pop3s"])
def test_curl_over_tls(tls_trap, need_tool, mode):
    seed(tls_trap, ALICES)
    if mode == "stls":
        base, options = f"pop3://localhost:{tls_trap.pop3_port}", ["--ssl-reqd"]
    else:
        base, options = f"pop3s://localhost:{tls_trap.pop3s_port}", []
    options += ["--cacert", str(tls_trap.ca_path)]
    assert curl_download_all(need_tool, base, *options) == ALICES


# -- mpop, getmail, mutt -------------------------------------------------------------------------


def test_mpop_over_stls_with_pipelining_and_uidl(tls_trap, need_tool, tmp_path, mda):
    binary = need_tool("mpop")
    seed(tls_trap, ALICES)
    command, folder = mda
    rc = tmp_path / "mpoprc"
    rc.write_text(
        f"account default\nhost localhost\nport {tls_trap.pop3_port}\nuser {ALICE}\n"
        f"password secret\ntls on\ntls_starttls on\ntls_trust_file {tls_trap.ca_path}\n"
        f"uidls_file {tmp_path / 'uidls'}\nreceived_header off\nkeep on\n"
        f"delivery mda {' '.join(command)}\n"
    )
    rc.chmod(0o600)
    run([binary, "-C", str(rc)])
    assert delivered(folder) == ALICES
    run([binary, "-C", str(rc)])  # only_new (the default) skips what the UIDLs say it has
    assert len(delivered(folder)) == 3


def same_message(got: bytes, sent: bytes) -> None:
    """Compare what a client re-serialised: every sent header, and the body."""
    got_msg = message_from_bytes(got, policy=policy.compat32)
    sent_msg = message_from_bytes(sent, policy=policy.compat32)
    for name, value in sent_msg.items():
        assert got_msg[name] == value, name
    assert crlf(got_msg.as_bytes().split(b"\n\n", 1)[1]) == sent.split(b"\r\n\r\n", 1)[1]


def test_getmail_downloads_the_maildrop(mailtrap, need_tool, tmp_path, mda):
    binary = need_tool("getmail", "getmail6")
    seed(mailtrap, ALICES)
    command, folder = mda
    rc = tmp_path / "getmailrc"
    rc.write_text(
        "[retriever]\ntype = SimplePOP3Retriever\n"
        f"server = {mailtrap.smtp_host}\nport = {mailtrap.pop3_port}\n"
        f"username = {ALICE}\npassword = secret\n\n"
        f"[destination]\ntype = MDA_external\npath = {command[0]}\n"
        f'arguments = ("{command[1]}", "{command[2]}")\nallow_root_commands = true\n\n'
        "[options]\nread_all = true\ndelete = true\ndelivered_to = false\nreceived = false\n"
    )
    run([binary, "--getmaildir", str(tmp_path), "--rcfile", str(rc)])
    got = delivered(folder)
    assert len(got) == 3
    for message, sent in zip(got, ALICES, strict=True):
        same_message(message, sent)
    assert mailtrap.mailbox(ALICE).messages == []
    assert len(mailtrap.mailbox(BOB).messages) == 1


@pytest.mark.parametrize("mode", ["plain", "stls"])
def test_mutt_opens_the_maildrop_and_saves_every_message(
    mailtrap, tls_trap, need_tool, tmp_path, mode
):
    binary = need_tool("mutt")
    script = need_tool("script", "bsdutils")
    trap = mailtrap if mode == "plain" else tls_trap
    seed(trap, ALICES)
    # By default mutt insists on TLS (ssl_force_tls): a plain server needs it switched off.
    security = (
        "set ssl_force_tls = no\n"
        if mode == "plain"
        else f"set ssl_ca_certificates_file = {trap.ca_path}\n"
    )
    user = ALICE.replace("@", "%40")
    url = f"pop://{user}@localhost:{trap.pop3_port}/"
    settings = f'set pop_pass = "secret"\n{security}set pop_delete = no\n'
    got = [m.as_bytes() for m in run_mutt(binary, script, tmp_path, settings, url)]
    assert len(got) == 3
    for message, sent in zip(got, ALICES, strict=True):
        same_message(message, sent)
    assert len(trap.mailbox(ALICE).messages) == 3
