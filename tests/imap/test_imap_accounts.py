"""IMAP logins against accounts (``users`` mode) through the sans-I/O engine, every mechanism and
failure fed whole and one byte at a time; and isolation: alice reaches nothing of bob's by any
command or mailbox name, and learns nothing of it, not even a count."""

from __future__ import annotations

import base64

import pytest
from saslcases import MALFORMED_PLAIN, cram_md5_answer

from mailtrap.auth import Authenticator, Users
from mailtrap.auth.hashes import hash_password
from mailtrap.store import MailboxId

ALICE, BOB = "alice@example.com", "bob@example.com"
MODES = ["whole", "bytes"]
FAILED = b"NO [AUTHENTICATIONFAILED] Authentication failed"


@pytest.fixture
def authenticator():
    # plain passwords: CRAM-MD5 is offered (with a hash among them it is not)
    return Authenticator("users", Users.parse(f"{ALICE}:{{PLAIN}}alice-pw\n{BOB}:{{PLAIN}}bob-pw"))


@pytest.fixture
def accounts(client, authenticator):
    def make():
        return client(authenticator=authenticator, hostname="mail.test")

    return make


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


def say(one, line: bytes | str, mode: str) -> bytes:
    data = line.encode() if isinstance(line, str) else line
    return one.send(data + b"\r\n", mode)


@pytest.mark.parametrize("mode", MODES)
def test_login(accounts, mode):
    one = accounts()
    assert say(one, f"a LOGIN {ALICE} wrong", mode) == b"a " + FAILED + b"\r\n"
    assert say(one, f"b LOGIN {BOB} alice-pw", mode) == b"b " + FAILED + b"\r\n"
    assert say(one, "c LOGIN nobody@example.com alice-pw", mode) == b"c " + FAILED + b"\r\n"
    assert say(one, "d SELECT INBOX", mode).startswith(b"d BAD")  # still not logged in
    assert say(one, f'e LOGIN "{BOB}" "bob-pw"', mode).startswith(b"e OK [CAPABILITY")
    assert one.connection.session.user == BOB


@pytest.mark.parametrize("mode", MODES)
def test_authenticate_plain_with_sasl_ir_and_without(accounts, mode):
    one = accounts()
    wrong = b64(b"\0" + ALICE.encode() + b"\0wrong")
    assert say(one, b"a AUTHENTICATE PLAIN " + wrong, mode) == b"a " + FAILED + b"\r\n"
    assert say(one, "b AUTHENTICATE PLAIN", mode) == b"+ \r\n"
    right = b64(b"\0" + ALICE.encode() + b"\0alice-pw")
    assert say(one, right, mode).startswith(b"b OK [CAPABILITY")


@pytest.mark.parametrize("mode", MODES)
def test_authenticate_login(accounts, mode):
    one = accounts()
    assert say(one, "a AUTHENTICATE LOGIN", mode) == b"+ VXNlcm5hbWU6\r\n"
    assert say(one, b64(BOB.encode()), mode) == b"+ UGFzc3dvcmQ6\r\n"
    assert say(one, b64(b"bob-pw"), mode).startswith(b"a OK")


@pytest.mark.parametrize("mode", MODES)
def test_authenticate_cram_md5(accounts, mode):
    one = accounts()
    for tag, name, password, expected in (
        ("a", BOB, b"alice-pw", b"a " + FAILED),
        ("b", ALICE, b"wrong", b"b " + FAILED),
        ("c", ALICE, b"alice-pw", b"c OK"),
    ):
        line = say(one, f"{tag} AUTHENTICATE CRAM-MD5", mode)
        assert say(one, cram_md5_answer(line, name, password), mode).startswith(expected)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("message", MALFORMED_PLAIN)
def test_malformed_plain_fails_like_a_wrong_password(accounts, message, mode):
    one = accounts()
    assert say(one, b"a AUTHENTICATE PLAIN " + b64(message), mode) == b"a " + FAILED + b"\r\n"


@pytest.mark.parametrize("mode", MODES)
def test_bad_base64_and_cancelling_are_bad(accounts, mode):
    one = accounts()
    assert say(one, "a AUTHENTICATE PLAIN !!!", mode).startswith(b"a BAD")
    assert say(one, "b AUTHENTICATE LOGIN", mode).startswith(b"+ ")
    assert say(one, "*", mode) == b"b BAD AUTHENTICATE cancelled\r\n"
    assert say(one, "c AUTHENTICATE PLAIN", mode) == b"+ \r\n"
    assert say(one, "@@@", mode).startswith(b"c BAD")
    assert say(one, "d AUTHENTICATE SCRAM-SHA-256", mode).startswith(b"d NO [CANNOT]")
    assert say(one, "e NOOP", mode) == b"e OK NOOP completed\r\n"


def test_a_hashed_account_and_no_cram_md5(client):
    hashed = Users.parse(f"{ALICE}:{{PLAIN}}a\n{BOB}:{hash_password('bob-pw', 'bcrypt', 4)}")
    one = client(authenticator=Authenticator("users", hashed))
    assert b"AUTH=PLAIN AUTH=LOGIN" in one.greeting and b"AUTH=CRAM-MD5" not in one.greeting
    assert one.command("a AUTHENTICATE CRAM-MD5")[0].startswith(b"a NO [CANNOT]")
    assert one.command(f"b LOGIN {BOB} alice-pw")[0] == b"b " + FAILED
    assert one.command(f"c LOGIN {BOB} bob-pw")[-1].startswith(b"c OK")


def test_pipelined_commands_wait_for_the_verdict(accounts):
    one = accounts()
    out = one.send(f"a LOGIN {ALICE} alice-pw\r\nb SELECT INBOX\r\nc NOOP\r\n".encode())
    tags = [line[:1] for line in out.split(b"\r\n") if line[:2] in (b"a ", b"b ", b"c ")]
    assert tags == [b"a", b"b", b"c"]


# -- isolation ------------------------------------------------------------------------------------


@pytest.fixture
def alice(accounts, store, deliver):
    """alice logged in; bob has mail in INBOX and a folder of his own, alice one message."""
    deliver("app@example.com", [BOB], subject="bob secret")
    deliver("app@example.com", [BOB], subject="bob second")
    deliver("app@example.com", [ALICE], subject="for alice")
    store.open_account(BOB)
    store.create_folder(MailboxId(BOB, "Secret"))
    store.set_subscribed(MailboxId(BOB, "Secret"), True)
    one = accounts()
    one.ok(f"L LOGIN {ALICE} alice-pw")
    return one


@pytest.fixture
def deliver(store):
    def send(sender, rcpts, subject):
        store.deliver(sender, rcpts, f"Subject: {subject}\r\n\r\nbody\r\n".encode())

    return send


BOBS_NAMES = [
    "Secret",
    "bob@example.com/INBOX",
    "bob@example.com",
    "#shared/bob@example.com/INBOX",
    "#shared/Secret",
    "#users/bob@example.com/INBOX",
    "Other Users/bob@example.com/INBOX",
    "~bob@example.com/INBOX",
    "../bob@example.com/INBOX",
    "/bob@example.com/INBOX",
]


def _no_bob(lines: list[bytes]) -> None:
    text = b"\n".join(lines)
    assert b"bob" not in text.lower() and b"Secret" not in text, text


def test_list_patterns_show_alices_folders_only(alice):
    for reference, pattern in (
        ("", "*"),
        ("", "%"),
        ("", "%/%"),
        ("#shared/", "*"),
        ("", "#shared/*"),
        ("", "bob*"),
        ("", "*Secret*"),
        ("/", "*"),
        ("~", "*"),
        ("", "*/*"),
    ):
        found = alice.ok(f'a LIST "{reference}" "{pattern}"')
        _no_bob(found)
    names = [line.rsplit(b" ", 1)[1] for line in alice.ok('b LIST "" "*"')]
    assert names == [b"INBOX", b"Archive", b"Drafts", b"Junk", b"Sent", b"Trash"]
    _no_bob(alice.ok('c LSUB "" "*"'))
    _no_bob(alice.ok('d LIST (SUBSCRIBED) "" "*" RETURN (STATUS (MESSAGES))'))
    assert alice.ok("e NAMESPACE") == [b'* NAMESPACE (("" "/")) NIL NIL']


@pytest.mark.parametrize("name", BOBS_NAMES)
def test_bobs_names_are_nothing_alice_can_open(alice, name):
    nobody = "No such folder here"  # a name that exists for nobody: the same answers
    for command in ("SELECT", "EXAMINE"):
        answer = alice.command(f'a {command} "{name}"')
        assert answer[-1].startswith(b"a NO"), answer
        assert answer == alice.command(f'a {command} "{nobody}"')
    status = alice.command(f'b STATUS "{name}" (MESSAGES UNSEEN UIDNEXT)')
    assert status == alice.command(f'b STATUS "{nobody}" (MESSAGES UNSEEN UIDNEXT)')
    assert status[-1].startswith(b"b NO")


def test_alices_inbox_holds_her_mail_only(alice):
    answer = alice.ok("S SELECT INBOX")
    assert b"* 1 EXISTS" in answer
    fetched = alice.ok("F FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    _no_bob(fetched)
    assert alice.ok("G UID FETCH 1:* (UID)") == [b"* 1 FETCH (UID 1)"]
    assert alice.ok("H SEARCH SUBJECT bob") == [b"* SEARCH"]


@pytest.mark.parametrize("name", ["bob@example.com/INBOX", "Secret", "#shared/Secret"])
def test_copying_moving_and_appending_never_reach_bob(alice, store, name):
    bob_before = [(f.name, f.total) for f in store.folders(BOB)]
    alice.ok("S SELECT INBOX")
    for command in (f'C COPY 1 "{name}"', f'M MOVE 1 "{name}"', f'U UID COPY 1 "{name}"'):
        answer = alice.command(command)
        assert answer[-1].split(b" ")[1:3] == [b"NO", b"[TRYCREATE]"], answer
    # refused before the client sends its literal (RFC 3502 6)
    appended = alice.command(f'A APPEND "{name}" {{12}}')
    assert appended[0].startswith(b"A NO [TRYCREATE]"), appended
    assert [(f.name, f.total) for f in store.folders(BOB)] == bob_before
    assert len(store.snapshot(MailboxId(ALICE, "INBOX")).entries) == 1


def test_deleting_renaming_and_subscribing_never_touch_bobs_folders(alice, store):
    bob_before = [(f.name, f.total) for f in store.folders(BOB)]
    subscribed = store.subscriptions(BOB)
    assert alice.command('D DELETE "Secret"')[-1].startswith(b"D NO")
    assert alice.command('R RENAME "Secret" "Mine"')[-1].startswith(b"R NO")
    assert alice.command('R RENAME "INBOX" "bob@example.com/INBOX"')[-1].startswith(b"R OK")
    alice.ok('S SUBSCRIBE "#shared/bob@example.com/Secret"')
    alice.ok('U UNSUBSCRIBE "Secret"')
    alice.ok('C CREATE "#shared/bob@example.com/INBOX"')  # alice's own folder of that name
    assert [(f.name, f.total) for f in store.folders(BOB)] == bob_before
    assert store.subscriptions(BOB) == subscribed and "Secret" in subscribed
    assert len(store.snapshot(MailboxId(BOB, "INBOX")).entries) == 2
