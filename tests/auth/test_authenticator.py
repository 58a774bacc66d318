"""The authenticator: every mode, every kind of credentials, the viewer's users, and timing."""

from __future__ import annotations

import statistics
import time

import pytest

from mailtrap.auth import (
    Authenticator,
    Digest,
    Login,
    Mode,
    Password,
    Refusal,
    Users,
    basic_credentials,
)
from mailtrap.auth.hashes import HTPASSWD, Secret, apop, cram_md5, hash_password
from mailtrap.auth.sasl import CramMd5
from mailtrap.auth.users import Htpasswd

CHALLENGE = b"<1896.697170952@mail.example>"


def cram(name: str, secret: bytes) -> Digest:
    return Digest(name, CHALLENGE, cram_md5(secret, CHALLENGE), "cram-md5")


def apop_of(name: str, secret: bytes) -> Digest:
    return Digest(name, CHALLENGE, apop(secret, CHALLENGE), "apop")


@pytest.fixture
def users():
    return Users.parse(
        "alice@example.com:{PLAIN}alice-pw\n"
        f"bob@example.com:{hash_password('bob-pw', 'bcrypt', 4)}\n"
        f"carol@example.com:{hash_password('carol-pw', 'sha512_crypt', 1000)}\n"
    )


# -- any and own ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "credentials",
    [Password("Alice@Example.COM", b"whatever"), cram("Alice@Example.COM", b"x")],
)
def test_any_mode_takes_any_password_and_the_name_chooses_the_mailbox(credentials):
    login = Authenticator().verify(credentials)
    assert login == Login("Alice@example.com", confined=False)
    assert login.may_read("bob@example.com")


def test_own_mode_takes_any_password_but_confines_the_login():
    login = Authenticator("own").verify(apop_of("alice@example.com", b"anything"))
    assert login == Login("alice@example.com", confined=True)
    assert login.may_read("ALICE@example.com")
    assert not login.may_read("bob@example.com")


def test_the_mode_is_checked():
    assert Authenticator("users").mode is Mode.USERS
    with pytest.raises(ValueError):
        Authenticator("everyone")


# -- users -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "right"),
    [
        ("alice@example.com", b"alice-pw"),
        ("bob@example.com", b"bob-pw"),
        ("carol@example.com", b"carol-pw"),
    ],
)
def test_users_mode_takes_each_account_with_its_password_only(users, name, right):
    authenticator = Authenticator("users", users)
    login = authenticator.verify(Password(name.upper(), right))
    assert login == Login(name, confined=True)
    assert not login.may_read("dave@example.com")
    assert authenticator.verify(Password(name, right + b"!")) is None
    other = b"alice-pw" if right != b"alice-pw" else b"bob-pw"
    assert authenticator.verify(Password(name, other)) is None


def test_an_unknown_name_fails_like_a_wrong_password(users):
    authenticator = Authenticator("users", users)
    assert authenticator.verify(Password("dave@example.com", b"alice-pw")) is None
    assert authenticator.verify(cram("dave@example.com", b"alice-pw")) is None


def test_an_alias_is_no_login(users):
    users.add("erin@example.com", "erin-pw", ["*@erin.test"])
    authenticator = Authenticator("users", users)
    assert authenticator.verify(Password("x@erin.test", b"erin-pw")) is None


def test_digests_against_a_plain_account(users):
    authenticator = Authenticator("users", users)
    assert authenticator.verify(cram("alice@example.com", b"alice-pw")) == Login(
        "alice@example.com", confined=True
    )
    assert authenticator.verify(apop_of("alice@example.com", b"alice-pw")) is not None
    assert authenticator.verify(cram("alice@example.com", b"wrong")) is None
    # A CRAM-MD5 digest is no APOP digest.
    swapped = Digest("alice@example.com", CHALLENGE, cram_md5(b"alice-pw", CHALLENGE), "apop")
    assert authenticator.verify(swapped) is None


def test_digests_fail_against_a_hashed_account_whatever_they_say(users):
    authenticator = Authenticator("users", users)
    for password in (b"bob-pw", b""):
        assert authenticator.verify(cram("bob@example.com", password)) is None
        assert authenticator.verify(apop_of("bob@example.com", password)) is None


def test_digest_mechanisms_are_offered_while_every_account_can_answer_them():
    hashed = Users.parse(f"bob@example.com:{hash_password('pw', 'bcrypt', 4)}")
    assert Authenticator().mechanisms() == ("PLAIN", "LOGIN", "CRAM-MD5")
    assert Authenticator("own").mechanisms() == ("PLAIN", "LOGIN", "CRAM-MD5")
    authenticator = Authenticator("users", hashed)
    assert authenticator.mechanisms() == ("PLAIN", "LOGIN")
    assert not authenticator.offers_digests
    assert authenticator.exchange("CRAM-MD5") is None
    hashed.add("alice@example.com", "plain")
    assert not authenticator.offers_digests  # bob's hash still could not answer a digest
    hashed.add("bob@example.com", "now plain")
    assert authenticator.offers_digests
    assert isinstance(authenticator.exchange("cram-md5", "mail.example"), CramMd5)
    assert authenticator.exchange("SCRAM-SHA-256") is None


def test_a_users_mode_without_accounts_lets_nobody_in():
    authenticator = Authenticator("users")
    assert authenticator.verify(Password("alice@example.com", b"pw")) is None
    authenticator.users.add("alice@example.com", "pw")
    assert authenticator.verify(Password("alice@example.com", b"pw")) is not None


def test_a_changed_password_is_not_remembered(users):
    authenticator = Authenticator("users", users)
    assert authenticator.verify(Password("bob@example.com", b"bob-pw")) is not None
    assert authenticator.verify(Password("bob@example.com", b"bob-pw")) is not None  # remembered
    users.add("bob@example.com", "new-pw")
    assert authenticator.verify(Password("bob@example.com", b"bob-pw")) is None
    assert authenticator.verify(Password("bob@example.com", b"new-pw")) is not None


def test_a_remembered_login_is_cheap(users):
    slow = Users.parse(f"bob@example.com:{hash_password('bob-pw', 'bcrypt', 10)}")
    authenticator = Authenticator("users", slow)
    started = time.perf_counter()
    authenticator.verify(Password("bob@example.com", b"bob-pw"))
    first = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(10):
        assert authenticator.verify(Password("bob@example.com", b"bob-pw")) is not None
    again = (time.perf_counter() - started) / 10
    assert again < first / 5


def test_costly_says_when_to_leave_the_event_loop(users):
    assert not Authenticator().costly
    assert not Authenticator("users", Users.of_passwords({"a@example.com": "pw"})).costly
    assert Authenticator("users", users).costly
    viewers = Htpasswd({"admin": Secret.parse(hash_password("pw", "apr_md5_crypt"), HTPASSWD)})
    assert Authenticator(viewers=viewers).costly


# -- the viewer ----------------------------------------------------------------------------------


@pytest.fixture
def viewers():
    return Htpasswd(
        {
            "admin": Secret.parse(hash_password("admin-pw", "apr_md5_crypt"), HTPASSWD),
            "alice@example.com": Secret.parse(hash_password("viewer-pw", "bcrypt", 4), HTPASSWD),
        }
    )


def test_in_any_mode_the_viewer_is_open_unless_viewers_are_given(viewers):
    assert not Authenticator().viewer_needs_login
    authenticator = Authenticator(viewers=viewers)
    assert authenticator.viewer_needs_login
    assert authenticator.verify_viewer(Password("admin", b"admin-pw")) == Login("admin")
    assert authenticator.verify_viewer(Password("admin", b"wrong")) is None
    # Account credentials open nothing in any mode: any password would do.
    assert authenticator.verify_viewer(Password("bob@example.com", b"x")) is None


def test_in_users_mode_viewers_see_everything_and_accounts_themselves(users, viewers):
    authenticator = Authenticator("users", users, viewers=viewers)
    admin = authenticator.verify_viewer(Password("admin", b"admin-pw"))
    assert admin == Login("admin", confined=False) and admin.may_read("bob@example.com")
    bob = authenticator.verify_viewer(Password("bob@example.com", b"bob-pw"))
    assert bob == Login("bob@example.com", confined=True)
    assert authenticator.verify_viewer(Password("bob@example.com", b"nope")) is None


def test_a_viewer_name_is_checked_against_the_viewer_file_only(users, viewers):
    # alice is both a viewer (viewer-pw) and an account (alice-pw): the account's password
    # does not open the viewer's entry, nor fall through to the account.
    authenticator = Authenticator("users", users, viewers=viewers)
    assert authenticator.verify_viewer(Password("alice@example.com", b"alice-pw")) is None
    assert authenticator.verify_viewer(Password("alice@example.com", b"viewer-pw")) == Login(
        "alice@example.com"
    )
    # ... and a viewer's remembered success is no account login.
    assert authenticator.verify(Password("alice@example.com", b"viewer-pw")) is None


def test_in_own_mode_an_account_on_the_viewer_is_confined():
    authenticator = Authenticator("own")
    assert authenticator.viewer_needs_login
    login = authenticator.verify_viewer(Password("bob@example.com", b"any"))
    assert login == Login("bob@example.com", confined=True)


def test_basic_credentials():
    assert basic_credentials("Basic YWxpY2VAZXhhbXBsZS5jb206cDpzcw==") == Password(
        "alice@example.com", b"p:ss"
    )
    assert basic_credentials("basic  YWxpY2VAZXhhbXBsZS5jb206cA== ") == Password(
        "alice@example.com", b"p"
    )
    assert basic_credentials("Bearer abc") is None
    assert basic_credentials("") is None
    for bad in ("Basic !!!", "Basic YWxpY2U=", "Basic OnBhc3M=", "Basic YWxpY2U6"):
        with pytest.raises(Refusal):
            basic_credentials(bad)


# -- timing --------------------------------------------------------------------------------------


def _timed(authenticator, credentials):
    started = time.perf_counter()
    assert authenticator.verify(credentials) is None
    return time.perf_counter() - started


@pytest.mark.parametrize("scheme", ["bcrypt", "sha512_crypt", "plain"])
def test_a_failure_takes_as_long_whether_or_not_the_account_exists(scheme):
    """Failed logins for an existing name and an unknown one, interleaved (so the machine's
    load weighs on both alike): their medians agree within a generous factor. Without the
    decoy an unknown name would fail in microseconds, a known one in milliseconds."""
    cost = {"bcrypt": 7, "sha512_crypt": 20_000, "plain": None}[scheme]
    stored = "{PLAIN}right" if cost is None else hash_password("right", scheme, cost)
    authenticator = Authenticator("users", Users.parse(f"alice@example.com:{stored}"))
    existing = Password("alice@example.com", b"wrong")
    unknown = Password("nobody@example.com", b"wrong")
    known_times, unknown_times = [], []
    for _ in range(31 if cost else 1001):
        known_times.append(_timed(authenticator, existing))
        unknown_times.append(_timed(authenticator, unknown))
    ratio = statistics.median(unknown_times) / statistics.median(known_times)
    if cost is None:
        assert 0.2 < ratio < 5, ratio  # microseconds: only gross differences mean anything
    else:
        assert 0.5 < ratio < 2, ratio
