"""The accounts flags of the command line: --auth, --users (file or inline), --smtp-auth."""

from __future__ import annotations

import os
import smtplib
import subprocess
import sys
import time

import pytest

from mailtrap.auth.hashes import hash_password

ALICE = "alice@example.com"


def run(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "mailtrap", *args],
        capture_output=True,
        text=True,
        timeout=15,
        env={**os.environ, **(env or {})},
    )


class Server:
    """``mailtrap`` as a process, SMTP on an ephemeral port and nothing else."""

    def __init__(self, *args, env=None):
        services = {f"MAILTRAP_{n}": "off" for n in ("HTTP", "POP3", "IMAP")}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailtrap", "--smtp", "127.0.0.1:0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **services, **(env or {})},
        )
        header = self.proc.stdout.readline()
        assert "is catching mail" in header, header + self.proc.stderr.read()
        self.port = int(self.proc.stdout.readline().split()[1].rpartition(":")[2])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()


@pytest.mark.parametrize("how", ["file", "inline"])
def test_users_from_a_file_or_inline_with_smtp_auth_required(tmp_path, how):
    if how == "file":
        path = tmp_path / "users"
        path.write_text(f"# accounts\n{ALICE}:{hash_password('s3cret', 'bcrypt', 4)}\n")
        env = {"MAILTRAP_USERS": str(path)}
    else:
        env = {"MAILTRAP_USERS": f"{ALICE}:s3cret bob@example.com:pw"}
    with (
        Server("--auth", "users", "--smtp-auth", "required", env=env) as server,
        smtplib.SMTP("127.0.0.1", server.port, timeout=5) as smtp,
    ):
        smtp.ehlo()
        assert smtp.docmd("MAIL FROM:<x@example.com>")[0] == 530
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp.login(ALICE, "wrong")
        assert smtp.login(ALICE, "s3cret")[0] == 235


def test_the_command_line_delays_repeated_failures():
    with Server("--auth", "users", "--users", f"{ALICE}:s3cret") as server:
        times = []
        with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as smtp:
            smtp.ehlo()
            smtp.user, smtp.password = ALICE, "wrong"
            for _ in range(4):  # one AUTH each (login() would try every mechanism)
                started = time.monotonic()
                with pytest.raises(smtplib.SMTPAuthenticationError):
                    smtp.auth("PLAIN", smtp.auth_plain)
                times.append(time.monotonic() - started)
            assert smtp.login(ALICE, "s3cret")[0] == 235
    # Three free failures, then half a second before the fourth is answered.
    assert max(times[:3]) < 0.4 and times[3] >= 0.45, times


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--auth", "users"], {}, "--auth users needs --users FILE (or MAILTRAP_USERS)"),
        (["--auth", "everyone"], {}, "--auth / MAILTRAP_AUTH: expected any, own or users"),
        (["--users", f"{ALICE}:x"], {}, "--users is for --auth users"),
        (["--smtp-auth", "maybe"], {}, "--smtp-auth / MAILTRAP_SMTP_AUTH: expected off, optional"),
        (["--auth", "users", "--users", "/no/such/file"], {}, "cannot read /no/such/file"),
        (["--auth", "users"], {"MAILTRAP_USERS": "alice@example.com"}, "cannot read"),
        (["--auth", "users", "--users", f"{ALICE}:"], {}, "entry 1 ('alice@example.com')"),
    ],
)
def test_bad_accounts_options_are_one_line_and_exit_2(args, env, needle):
    done = run(*args, env=env)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and needle in done.stderr, done.stderr
