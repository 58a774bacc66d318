"""Real submission clients against ``--smtp-auth required`` with a users file: swaks, msmtp
(msmtp as it is set up for a real submission server: STARTTLS, trusting the server's CA).

Tried as a new user would: the right password sends, a wrong one is refused with the server's
``535`` and nothing is stored, and without a password the client meets ``530``.
"""

from __future__ import annotations

import subprocess

import pytest

from mailtrap import MailTrap
from mailtrap.auth import Users
from mailtrap.auth.hashes import hash_password

ALICE = "alice@example.com"


@pytest.fixture(scope="module")
def trap(tmp_path_factory):
    path = tmp_path_factory.mktemp("accounts") / "users"
    path.write_text(
        f"{ALICE}:{hash_password('alice-pw', 'bcrypt', 4)}\nbob@example.com:{{PLAIN}}b\n"
    )
    users = Users.read(str(path))
    with MailTrap(auth="users", users=users, smtp_auth="required", tls=True) as trap:
        yield trap


def swaks(tool, trap, *auth, subject):
    command = [
        tool,
        "--server",
        f"{trap.smtp_host}:{trap.smtp_port}",
        "--from",
        ALICE,
        "--to",
        "carol@example.com",
        "--header",
        f"Subject: {subject}",
        *auth,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_swaks_with_the_right_password_sends(trap, need_tool, mechanism):
    tool = need_tool("swaks")
    user, password = ALICE, "alice-pw"
    subject = f"swaks {mechanism}"
    done = swaks(
        tool,
        trap,
        "--auth",
        mechanism,
        "--auth-user",
        user,
        "--auth-password",
        password,
        subject=subject,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "235 2.7.0 Authentication successful" in done.stdout
    assert trap.wait_for(subject=subject, timeout=5)


def test_swaks_cram_md5_with_inline_users(need_tool):
    # CRAM-MD5 needs the plain password: offered when every account has one
    tool = need_tool("swaks")
    with MailTrap(auth="users", users={ALICE: "alice-pw"}, smtp_auth="required") as plain:
        auth = ["--auth", "CRAM-MD5", "--auth-user", ALICE, "--auth-password", "alice-pw"]
        done = swaks(tool, plain, *auth, subject="swaks CRAM-MD5")
        assert done.returncode == 0, done.stdout + done.stderr
        assert plain.wait_for(subject="swaks CRAM-MD5", timeout=5)
        wrong = swaks(tool, plain, *auth[:-1], "wrong", subject="swaks CRAM-MD5 wrong")
        assert "535 5.7.8 Authentication credentials invalid" in wrong.stdout


def test_swaks_with_a_wrong_password_gets_535_and_sends_nothing(trap, need_tool):
    tool = need_tool("swaks")
    done = swaks(
        tool,
        trap,
        "--auth",
        "PLAIN",
        "--auth-user",
        ALICE,
        "--auth-password",
        "nope",
        subject="swaks wrong",
    )
    assert done.returncode != 0
    assert "535 5.7.8 Authentication credentials invalid" in done.stdout
    assert trap.messages(subject="swaks wrong") == []


def test_swaks_without_auth_meets_530(trap, need_tool):
    tool = need_tool("swaks")
    done = swaks(tool, trap, subject="swaks anonymous")
    assert done.returncode != 0
    assert "530 5.7.0 Authentication required" in done.stdout
    assert trap.messages(subject="swaks anonymous") == []


def msmtp(tool, trap, password, subject, tmp_path):
    config = tmp_path / "msmtprc"
    config.write_text(
        "account default\n"
        f"host {trap.smtp_host}\nport {trap.smtp_port}\n"
        f"tls on\ntls_starttls on\ntls_trust_file {trap.ca_path}\nauth on\n"
        f"user {ALICE}\npassword {password}\nfrom {ALICE}\n"
    )
    config.chmod(0o600)
    return subprocess.run(
        [tool, "-C", str(config), "carol@example.com"],
        input=f"Subject: {subject}\r\n\r\nhello\r\n".encode(),
        capture_output=True,
        timeout=30,
    )


def test_msmtp_with_the_right_password_sends(trap, need_tool, tmp_path):
    done = msmtp(need_tool("msmtp"), trap, "alice-pw", "msmtp right", tmp_path)
    assert done.returncode == 0, done.stderr
    [message] = trap.wait_for(subject="msmtp right", timeout=5)
    assert message.recipients == ["carol@example.com"]


def test_msmtp_with_a_wrong_password_is_told_so(trap, need_tool, tmp_path):
    done = msmtp(need_tool("msmtp"), trap, "wrong", "msmtp wrong", tmp_path)
    assert done.returncode != 0
    assert b"535 5.7.8 Authentication credentials invalid" in done.stderr, done.stderr
    assert trap.messages(subject="msmtp wrong") == []
