"""``mailtrap passwd``, run as a user runs it: a hash that a users file then takes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from mailtrap.auth import Authenticator, Password, Users


def passwd(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mailtrap", "passwd", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.parametrize(("scheme", "prefix"), [(None, "$2b$"), ("sha512-crypt", "$6$")])
def test_prints_a_hash_that_a_users_file_takes(tmp_path, scheme, prefix):
    done = passwd(*(["--scheme", scheme] if scheme else []), stdin="s3cret p@ss\n")
    assert done.returncode == 0, done.stderr
    hashed = done.stdout.strip()
    assert hashed.startswith(prefix) and "s3cret" not in done.stdout
    path = tmp_path / "users"
    path.write_text(f"alice@example.com:{hashed}\n")
    authenticator = Authenticator("users", Users.read(str(path)))
    assert authenticator.verify(Password("alice@example.com", b"s3cret p@ss")) is not None
    assert authenticator.verify(Password("alice@example.com", b"s3cret")) is None


def test_with_an_address_it_prints_the_whole_line(tmp_path):
    done = passwd("Alice@EXAMPLE.com", stdin="pw\n")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("Alice@example.com:$2b$")
    users = Users.parse(line)
    assert users.get("alice@example.com").secret.verify(b"pw")


@pytest.mark.parametrize(
    ("args", "stdin", "needle"),
    [
        ((), "\n", "empty password"),
        ((), "", "empty password"),
        (("not-an-address",), "pw\n", "'not-an-address' is not an address"),
        (("--scheme", "md5"), "pw\n", "invalid choice: 'md5'"),
    ],
)
def test_mistakes_are_one_line_and_exit_2(args, stdin, needle):
    done = passwd(*args, stdin=stdin)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and needle in done.stderr, done.stderr
    assert done.stderr.startswith("mailtrap passwd: error:")
