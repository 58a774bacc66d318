"""Users files, the inline form, the Python mapping, htpasswd files, and stored secrets."""

from __future__ import annotations

import subprocess
import threading

import pytest

from mailtrap.auth import Users, UsersError, read_htpasswd
from mailtrap.auth.hashes import Secret, hash_password

BCRYPT = hash_password("bcrypt-pw", "bcrypt", 4)
SHA512 = hash_password("sha-pw", "sha512_crypt", 5000)


# -- stored secrets ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "right"),
    [
        ("{PLAIN}plain-pw", b"plain-pw"),
        (BCRYPT, b"bcrypt-pw"),
        (SHA512, b"sha-pw"),
        ("{BLF-CRYPT}" + BCRYPT, b"bcrypt-pw"),  # Dovecot's prefixes
        ("{SHA512-CRYPT}" + SHA512, b"sha-pw"),
        ("{CRYPT}" + SHA512, b"sha-pw"),
    ],
    ids=["plain", "bcrypt", "sha512-crypt", "blf-crypt", "sha512-crypt-prefix", "crypt-prefix"],
)
def test_each_kind_of_secret_takes_its_password_and_no_other(stored, right):
    secret = Secret.parse(stored)
    assert secret.verify(right)
    assert not secret.verify(right + b"x")
    assert not secret.verify(b"")
    assert not secret.verify(b"\0" + right)


def test_sha512_crypt_made_elsewhere_is_read():
    # glibc's crypt(3) with rounds given and defaulted (from `mkpasswd -m sha-512`).
    made = (
        "$6$rounds=5000$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY"
        "..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1"
    )
    assert Secret.parse(made).verify(b"secret")


def test_bcrypt_reads_72_octets_as_every_bcrypt_tool_does():
    long = b"p" * 80
    secret = Secret.parse(hash_password(long, "bcrypt", 4))
    assert secret.verify(long)
    assert secret.verify(b"p" * 72)
    assert not secret.verify(b"p" * 71)


@pytest.mark.parametrize(
    "stored",
    ["secret", "$2b$04$short", "$6$abc$tooshort", "{SHA}abc", "{PLAIN}", "$1$abc$def", ""],
)
def test_what_is_no_secret_is_refused(stored):
    with pytest.raises(ValueError):
        Secret.parse(stored)


def test_a_secret_never_shows_itself():
    assert "plain-pw" not in repr(Secret.parse("{PLAIN}plain-pw"))
    assert BCRYPT not in repr(Secret.parse(BCRYPT))


# -- users files -----------------------------------------------------------------------------


def test_a_users_file_with_comments_aliases_and_every_scheme(tmp_path):
    path = tmp_path / "users"
    path.write_text(
        "# mailtrap accounts\n"
        "\n"
        f"alice@Example.com:{BCRYPT}:postmaster@example.com,*@alice.test\n"
        f"  bob@example.com:{SHA512}  \n"
        "carol@example.com:{PLAIN}c\n"
    )
    users = Users.read(str(path))
    assert [a.address for a in users] == [
        "alice@example.com",
        "bob@example.com",
        "carol@example.com",
    ]
    alice = users.get("ALICE@example.COM")
    assert alice is not None and alice.aliases == ("postmaster@example.com", "*@alice.test")
    assert alice.secret.verify(b"bcrypt-pw")
    assert users.get("bob@example.com").secret.verify(b"sha-pw")
    assert users.get("carol@example.com").secret.verify(b"c")


def test_a_plain_secret_cannot_hold_a_colon():
    # It stops at the first colon: the rest is the alias field, refused when no address.
    with pytest.raises(UsersError, match="line 1: 'ol' is not an address"):
        Users.parse("carol@example.com:{PLAIN}c:ol")


def test_owner_routes_an_address_to_its_account():
    users = Users.parse(
        "alice@example.com:{PLAIN}a:postmaster@example.com,*@example.com\n"
        "bob@example.com:{PLAIN}b:*@bob.test\n"
    )
    assert users.owner("alice@example.com") == "alice@example.com"
    assert users.owner("Postmaster@EXAMPLE.com") == "alice@example.com"
    assert users.owner("anyone@example.com") == "alice@example.com"  # the catch-all
    assert users.owner("bob@example.com") == "bob@example.com"  # an account beats a catch-all
    assert users.owner("x@Bob.Test") == "bob@example.com"
    assert users.owner("x@sub.bob.test") is None  # a catch-all is for its domain only
    assert users.owner("nobody@elsewhere.test") is None


def test_aliases_are_not_logins():
    users = Users.parse("alice@example.com:{PLAIN}a:postmaster@example.com")
    assert users.get("postmaster@example.com") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alice@example.com", "line 1: expected address:hash"),
        ("alice@example.com:nohash", "line 1: not a password hash"),
        ("alice:{PLAIN}a", "line 1: 'alice' is not an address"),
        ("*@example.com:{PLAIN}a", "line 1: '\\*@example.com' is not an address"),
        ("@example.com:{PLAIN}a", "is not an address"),
        ("alice@example.com:{PLAIN}", "line 1: empty password"),
        ("# ok\nalice@example.com:$2b$04$broken", "line 2:"),
        ("alice@example.com:{PLAIN}a:not-an-address", "'not-an-address' is not an address"),
        ("a@example.com:{PLAIN}a\nA@EXAMPLE.com:{PLAIN}b", "given twice"),
        ("a@example.com:{PLAIN}a:x@example.com\nb@example.com:{PLAIN}b:x@example.com", "belongs"),
        ("a@example.com:{PLAIN}a:*@t.test\nb@example.com:{PLAIN}b:*@T.test", "belongs"),
        ("a@example.com:{PLAIN}a:b@example.com\nb@example.com:{PLAIN}b", "is an alias of"),
        ("a@example.com:{PLAIN}a\nb@example.com:{PLAIN}b:a@example.com", "an account of its own"),
        ("al\x01ice@example.com:{PLAIN}a", "control characters"),
    ],
)
def test_a_bad_users_file_is_one_line_naming_where(text, message):
    with pytest.raises(UsersError, match=message) as raised:
        Users.parse(text, "users.txt")
    assert str(raised.value).startswith("users.txt")
    assert "\n" not in str(raised.value)


def test_a_bad_line_never_shows_its_secret():
    with pytest.raises(UsersError) as raised:
        Users.parse("alice@example.com:hunter2secret")
    assert "hunter2secret" not in str(raised.value)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(UsersError, match=r"cannot read .*missing"):
        Users.read(str(tmp_path / "missing"))


# -- the inline form and the Python mapping --------------------------------------------------


def test_the_inline_form_takes_plain_passwords():
    users = Users.inline("alice@example.com:secret  bob@example.com:p$2b:*@bob.test\n")
    assert users.get("alice@example.com").secret.verify(b"secret")
    assert users.get("bob@example.com").secret.verify(b"p$2b")
    assert users.owner("x@bob.test") == "bob@example.com"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alice@example.com", "entry 1 .*expected address:password"),
        ("alice@example.com:ok bob@example.com:", "entry 2 .*empty password"),
        ("alice:secret", "not an address"),
        ("a@example.com:x a@example.com:y", "given twice"),
    ],
)
def test_a_bad_inline_form_says_which_entry(text, message):
    with pytest.raises(UsersError, match=message):
        Users.inline(text)


def test_the_python_mapping():
    users = Users.of_passwords({"alice@example.com": "secret", "bob@example.com": b"pw"})
    assert users.get("alice@example.com").secret.verify(b"secret")
    assert users.get("bob@example.com").secret.verify(b"pw")


def test_add_creates_or_replaces_and_bumps_the_version():
    users = Users()
    before = users.version
    users.add("alice@example.com", "one", ["*@alice.test"])
    assert users.owner("x@alice.test") == "alice@example.com"
    users.add("ALICE@example.com", "two")
    assert users.version == before + 2
    account = users.get("alice@example.com")
    assert account.secret.verify(b"two") and not account.secret.verify(b"one")
    assert users.owner("x@alice.test") is None  # the old aliases went with the old entry


def test_add_refuses_what_would_break_the_table():
    users = Users.of_passwords({"alice@example.com": "a"})
    users.add("bob@example.com", "b", ["shared@example.com"])
    with pytest.raises(ValueError, match="belongs"):
        users.add("carol@example.com", "c", ["shared@example.com"])
    with pytest.raises(ValueError, match="is an alias"):
        users.add("shared@example.com", "s")
    with pytest.raises(ValueError, match="empty password"):
        users.add("dave@example.com", "")
    assert users.get("carol@example.com") is None


def test_adding_from_many_threads():
    users = Users()

    def add(n):
        for i in range(50):
            users.add(f"user{n}-{i}@example.com", "pw")

    threads = [threading.Thread(target=add, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(users) == 200 and users.version == 200


# -- htpasswd (--ui-auth) ----------------------------------------------------------------------


def _htpasswd(tool, path, *flags, user, password):
    command = [tool, "-b", *flags, str(path), user, password]
    subprocess.run(command, check=True, capture_output=True, timeout=30)


def test_htpasswd_files_as_apaches_tool_writes_them(tmp_path, need_tool):
    tool = need_tool("htpasswd", "apache2-utils")
    path = tmp_path / "htpasswd"
    _htpasswd(tool, path, "-c", user="admin", password="apr1-pw")  # apr1, htpasswd's default
    _htpasswd(tool, path, "-B", "-C", "4", user="ops", password="bcrypt-pw")  # bcrypt
    viewers = read_htpasswd(str(path))
    assert len(viewers) == 2
    assert viewers.get("admin").scheme == "apr_md5_crypt"
    assert viewers.get("admin").verify(b"apr1-pw")
    assert not viewers.get("admin").verify(b"bcrypt-pw")
    assert viewers.get("ops").verify(b"bcrypt-pw")
    assert viewers.get("Admin") is None  # names are exact, as in Apache


@pytest.mark.parametrize(("flag", "kind"), [("-s", "SHA-1"), ("-p", "plain text"), ("-d", "crypt")])
def test_htpasswd_schemes_too_weak_are_refused(tmp_path, need_tool, flag, kind):
    tool = need_tool("htpasswd", "apache2-utils")
    path = tmp_path / "htpasswd"
    _htpasswd(tool, path, "-c", flag, user="admin", password="pw")
    with pytest.raises(UsersError, match=r"line 1: not a password hash this file takes"):
        read_htpasswd(str(path))


def test_htpasswd_takes_no_plain_form(tmp_path):
    path = tmp_path / "htpasswd"
    path.write_text("admin:{PLAIN}pw\n")
    with pytest.raises(UsersError, match="plain-text passwords are not taken"):
        read_htpasswd(str(path))


@pytest.mark.parametrize("text", ["", "# nobody\n", "admin\n", ":$apr1$x$y\n"])
def test_an_htpasswd_file_without_users_is_refused(tmp_path, text):
    path = tmp_path / "htpasswd"
    path.write_text(text)
    with pytest.raises(UsersError):
        read_htpasswd(str(path))
