"""RFC 1939 maildrop semantics in the engine: deletion marks, UPDATE, UIDL, snapshots, locking."""

from __future__ import annotations

import pytest

from mailtrap.store import SEEN, MailboxId

ALICE, BOB = "alice@example.com", "bob@example.com"


@pytest.fixture
def three(store):
    """Three messages for alice; the second also went to bob."""
    return [
        store.deliver("s@x", [ALICE], b"Subject: 1\r\n\r\none\r\n"),
        store.deliver("s@x", [ALICE, BOB], b"Subject: 2\r\n\r\ntwo\r\n"),
        store.deliver("s@x", [ALICE], b"Subject: 3\r\n\r\nthree\r\n"),
    ]


def listing(reply: bytes) -> list[bytes]:
    """The lines of a multi-line reply between the status line and the final dot."""
    lines = reply.split(b"\r\n")
    assert lines[-2:] == [b".", b""]
    return lines[1:-2]


def test_deleted_messages_are_invisible_everywhere(login, three):
    pop = login(ALICE)
    assert pop("STAT") == b"+OK 3 59\r\n"
    assert pop("DELE 2") == b"+OK message 2 deleted\r\n"
    assert pop("STAT") == b"+OK 2 40\r\n"
    assert listing(pop("LIST")) == [b"1 19", b"3 21"]
    assert [line.split()[0] for line in listing(pop("UIDL"))] == [b"1", b"3"]
    for line in ("LIST 2", "UIDL 2", "RETR 2", "TOP 2 0"):
        assert pop(line) == b"-ERR message 2 is marked deleted\r\n"


def test_dele_of_a_deleted_message_is_an_error(login, three):
    pop = login(ALICE)
    assert pop("DELE 1").startswith(b"+OK")
    assert pop("DELE 1") == b"-ERR message 1 is marked deleted\r\n"


@pytest.mark.parametrize("msg", ["0", "4", "4294967295"])
def test_messages_that_do_not_exist(login, three, msg):
    pop = login(ALICE)
    for command in ("LIST", "UIDL", "RETR", "DELE"):
        assert pop(f"{command} {msg}") == f"-ERR no such message: {msg}\r\n".encode()
    assert pop(f"TOP {msg} 1").startswith(b"-ERR no such message")


def test_rset_unmarks(login, three):
    pop = login(ALICE)
    pop("DELE 1")
    pop("DELE 3")
    assert pop("RSET") == b"+OK maildrop has 3 message(s) (59 octets)\r\n"
    assert pop("STAT") == b"+OK 3 59\r\n"
    assert pop("QUIT").startswith(b"+OK")
    assert len(pop.connection.session.store.messages(ALICE)) == 3


def test_quit_from_transaction_deletes_only_from_that_mailbox(login, store, three):
    pop = login(ALICE)
    pop("DELE 1")
    pop("DELE 2")
    assert pop("QUIT") == b"+OK mailtrap POP3 signing off (1 message(s) left)\r\n"
    assert [store.summary(m.id).subject for m in store.messages(ALICE)] == ["3"]
    # The message both received stays in bob's mailbox, and in the store.
    assert [store.summary(m.id).subject for m in store.messages(BOB)] == ["2"]
    assert store.get(three[1].id) is not None
    assert store.get(three[0].id) is None


def test_a_dropped_connection_deletes_nothing(login, store, three, locks):
    pop = login(ALICE)
    pop("DELE 1")
    pop("DELE 2")
    pop.connection.connection_lost()
    assert len(store.messages(ALICE)) == 3
    assert ALICE not in locks


def uidls(login, user: str) -> list[bytes]:
    """The unique IDs one whole session sees (it logs in, asks UIDL, quits)."""
    pop = login(user)
    ids = [line.split()[1] for line in listing(pop("UIDL"))]
    pop("QUIT")
    return ids


def test_uidl_is_stable_across_sessions_and_never_reused(login, store, three):
    first = uidls(login, ALICE)
    assert len(set(first)) == 3
    assert uidls(login, ALICE) == first
    pop = login(ALICE)
    pop("DELE 1")
    pop("QUIT")
    assert uidls(login, ALICE) == first[1:]
    store.clear()
    store.deliver("s@x", [ALICE], b"Subject: new\r\n\r\nnew\r\n")
    [uid] = uidls(login, ALICE)
    assert uid not in first
    assert login(ALICE)("UIDL 1") == b"+OK 1 " + uid + b"\r\n"
    assert all(0x21 <= c <= 0x7E for c in uid) and len(uid) <= 70  # RFC 1939 section 7


def test_mail_delivered_during_a_session_appears_in_the_next(login, store, three):
    pop = login(ALICE)
    store.deliver("s@x", [ALICE], b"Subject: late\r\n\r\nlate\r\n")
    assert pop("STAT").startswith(b"+OK 3 ")
    assert pop("RETR 4") == b"-ERR no such message: 4\r\n"
    pop("DELE 1")
    assert pop("QUIT") == b"+OK mailtrap POP3 signing off (3 message(s) left)\r\n"
    assert login(ALICE)("STAT").startswith(b"+OK 3 ")


def test_a_second_login_to_the_same_maildrop_is_in_use(pop3, login, three):
    first = login(ALICE)
    second = pop3()
    second("USER ALICE@Example.COM")  # addresses compare case-insensitively
    assert second("PASS x") == b"-ERR [IN-USE] maildrop is already in use\r\n"
    assert second(f"APOP {ALICE} d") == b"-ERR [IN-USE] maildrop is already in use\r\n"
    assert second("STAT").startswith(b"-ERR")  # still in AUTHORIZATION
    assert login(BOB)("STAT").startswith(b"+OK")  # other maildrops are free
    first("QUIT")
    second(f"USER {ALICE}")
    assert second("PASS x").startswith(b"+OK")


def test_an_unknown_address_has_an_empty_maildrop(login):
    pop = login("nobody@example.com")
    assert pop("STAT") == b"+OK 0 0\r\n"
    assert pop("LIST") == b"+OK 0 message(s) (0 octets)\r\n.\r\n"
    assert pop("UIDL") == b"+OK unique-id listing follows\r\n.\r\n"


def test_retr_sends_the_stored_bytes_with_crlf_line_ends(login, store):
    raw = b".Hidden: header\nSubject: bare LF\n\n.\n..two\nlast line without end"
    store.deliver("s@x", [ALICE], raw)
    pop = login(ALICE)
    wire = b".Hidden: header\r\nSubject: bare LF\r\n\r\n.\r\n..two\r\nlast line without end\r\n"
    assert pop("LIST 1") == f"+OK 1 {len(wire)}\r\n".encode()
    reply = pop("RETR 1")
    assert reply == (
        f"+OK {len(wire)} octets\r\n".encode()
        + b"..Hidden: header\r\nSubject: bare LF\r\n\r\n..\r\n...two\r\nlast line without end\r\n"
        + b".\r\n"
    )


def test_retr_and_top_keep_every_other_byte(login, store):
    raw = b"Subject: bin\r\nX: \xff\x00\x7f\r\n\r\n\xe2\x98\x83\tcaf\xc3\xa9\r\n"
    store.deliver("s@x", [ALICE], raw)
    pop = login(ALICE)
    assert pop("RETR 1") == f"+OK {len(raw)} octets\r\n".encode() + raw + b".\r\n"
    assert (
        pop("TOP 1 0")
        == b"+OK top of message follows\r\n" + raw[: raw.index(b"\r\n\r\n") + 4] + b".\r\n"
    )


def test_retr_sets_seen_in_that_mailbox_only(login, store, three):
    pop = login(BOB)
    pop("TOP 1 0")
    assert not store.links(three[1].id)[MailboxId(BOB)].seen
    pop("RETR 1")
    links = store.links(three[1].id)
    assert SEEN in links[MailboxId(BOB)].flags
    assert SEEN not in links[MailboxId(ALICE)].flags
