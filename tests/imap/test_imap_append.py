"""APPEND with the engine, no sockets: flags, INTERNALDATE, literals of every kind (RFC 3501
6.3.11, RFC 7888), MULTIAPPEND (RFC 3502), APPENDUID (RFC 4315), the size limit (RFC 7889)."""

from __future__ import annotations

import pytest
from rfc3501_examples import APPENDED

from mailtrap.store import MailboxId

USER = "bob@example.com"
DRAFT = APPENDED  # RFC 3501 6.3.11's example message


def uidvalidity(store, folder: str) -> int:
    return store.folder(MailboxId(USER, folder)).uidvalidity


def test_append_with_flags_and_date_is_fetched_back_byte_for_byte(client, store):
    one = client().login()
    assert one.send(
        b'a APPEND Drafts (\\Draft $Work) " 7-Feb-1994 21:52:25 -0800" {%d}\r\n' % len(DRAFT)
    ) == (b"+ Ready for literal data\r\n")
    reply = one.send(DRAFT + b"\r\n")
    assert reply == b"a OK [APPENDUID %d 1] APPEND completed\r\n" % uidvalidity(store, "Drafts")
    one.ok("b SELECT Drafts")
    [line] = one.ok("c FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[])")
    assert line == (
        b'* 1 FETCH (FLAGS (\\Draft $Work \\Recent) INTERNALDATE " 8-Feb-1994 05:52:25 +0000" '
        b"RFC822.SIZE %d BODY[] {%d}\r\n" % (len(DRAFT), len(DRAFT)) + DRAFT + b")"
    )
    # a full store message: stored once, no envelope, seen by every front-end's reads
    [record] = store.messages(MailboxId(USER, "Drafts"))
    assert store.raw(record.id) == DRAFT and (record.mail_from, record.rcpt_tos) == ("", ())
    assert store.summary(record.id).subject == "afternoon meeting"


def test_append_without_flags_or_date(client, store):
    one = client().login()
    one.ok(b"a APPEND Sent {%d+}\r\n" % len(DRAFT) + DRAFT)
    [entry] = store.snapshot(MailboxId(USER, "Sent")).entries
    assert entry.flags == frozenset()
    assert entry.message.internal_date == entry.message.received


def test_append_keeps_8bit_and_malformed_bytes(client, store):
    raw = b"no header at all, just \xff\xfe bytes\n\rand odd line ends"
    one = client().login()
    one.ok(b"a APPEND INBOX {%d+}\r\n" % len(raw) + raw)
    [record] = store.messages(USER)
    assert store.raw(record.id) == raw
    one.ok("b SELECT INBOX")  # IMAP shows the message with CRLF line ends (RFC 3501 2.3.4)
    assert one.ok("c FETCH 1 BODY.PEEK[]")[0].endswith(b"\xff\xfe bytes\r\n\r\nand odd line ends)")


def test_append_to_the_selected_mailbox_announces_it_before_the_tagged_ok(client, deliver):
    deliver()
    one = client().select()
    reply = one.command(b"a APPEND INBOX (\\Seen) {%d+}\r\n" % len(DRAFT) + DRAFT)
    assert reply[:2] == [b"* 2 EXISTS", b"* 2 RECENT"]
    assert reply[2].startswith(b"a OK [APPENDUID ")
    assert one.ok("b FETCH 2 FLAGS") == [b"* 2 FETCH (FLAGS (\\Seen \\Recent))"]


def test_append_is_announced_to_other_sessions(client, deliver):
    one, two = client().select(), client().login()
    two.ok(b"a APPEND INBOX {%d+}\r\n" % len(DRAFT) + DRAFT)
    assert one.ok("b NOOP") == [b"* 1 EXISTS", b"* 1 RECENT"]


@pytest.mark.parametrize("target", ["Nope", "x"])
def test_append_to_a_missing_folder_says_trycreate(client, store, target):
    one = client().login()
    one.ok("a CREATE x/y")
    one.ok("b DELETE x")  # \Noselect
    reply = one.command(b"c APPEND " + target.encode() + b" {5+}\r\nhello")
    assert reply == [b"c NO [TRYCREATE] No such mailbox"]
    assert store.count() == 0


def test_multiappend(client, store):
    # RFC 3502: several messages, each with its own flags and date; APPENDUID names them all
    one = client().login()
    second = DRAFT.replace(b"afternoon", b"evening")
    data = b'a APPEND Sent (\\Seen) {%d+}\r\n%s "07-Feb-1994 22:43:04 -0800" {%d+}\r\n%s\r\n' % (
        len(DRAFT),
        DRAFT,
        len(second),
        second,
    )
    assert one.send(data) == b"a OK [APPENDUID %d 1:2] APPEND completed\r\n" % uidvalidity(
        store, "Sent"
    )
    entries = store.snapshot(MailboxId(USER, "Sent")).entries
    assert [(e.flags, store.raw(e.message.id)) for e in entries] == [
        ({"\\Seen"}, DRAFT),
        (frozenset(), second),
    ]
    assert entries[1].message.internal_date == 760689784.0


def test_multiappend_is_all_or_nothing(client, store):
    one = client().login()
    reply = one.command(b"a APPEND Sent {5+}\r\nhello {0+}\r\n")
    assert reply == [b"a NO [CANNOT] An empty message cannot be appended"]
    assert store.folder(MailboxId(USER, "Sent")).total == 0


def test_a_message_over_the_limit_is_refused_before_it_is_sent(client, store):
    one = client(max_message=100).login()
    assert one.send(b"a APPEND Sent {101}\r\n") == b"a NO [TOOBIG] Message too large\r\n"
    assert one.command("b NOOP") == [b"b OK NOOP completed"]


def test_a_non_synchronising_message_over_the_limit_is_read_and_dropped(client, store):
    one = client(max_message=100).login()
    reply = one.send(b"a APPEND Sent {101+}\r\n" + b"x" * 101 + b"\r\nb NOOP\r\n")
    assert reply == b"a NO [TOOBIG] Message too large\r\nb OK NOOP completed\r\n"
    assert store.count() == 0


def test_messages_count_against_the_message_limit_not_the_command_limit(client, store):
    big = b"Subject: big\r\n\r\n" + b"x" * 5000 + b"\r\n"
    one = client(max_command=1000, max_message=10_000).login()
    one.ok(b"a APPEND Sent {%d+}\r\n" % len(big) + big)
    assert store.folder(MailboxId(USER, "Sent")).total == 1
    # other literals keep the command limit
    assert one.command(b"b LOGIN {2000+}\r\n" + b"x" * 2000 + b" y")[0].startswith(
        b"b BAD [TOOBIG]"
    )


@pytest.mark.parametrize(
    "line",
    [
        b"a APPEND Sent (\\Recent) {1+}\r\nx",
        b'a APPEND Sent "yesterday" {1+}\r\nx',
        b"a APPEND Sent hello",
    ],
)
def test_bad_append_arguments(client, store, line):
    one = client().login()
    assert one.command(line)[0].startswith(b"a BAD Syntax error")
    assert store.count() == 0


def test_append_needs_a_login(client):
    assert client().command(b"a APPEND INBOX {1+}\r\nx") == [
        b"a BAD APPEND is not valid in this state"
    ]


def test_appended_keywords_join_the_flags_of_the_mailbox(client):
    one = client().login()
    one.ok(b"a APPEND INBOX ($Forwarded) {1+}\r\nx")
    assert b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Forwarded)" in one.ok(
        "b SELECT INBOX"
    )


def test_append_to_a_missing_folder_is_refused_before_the_message_is_sent(client, store):
    one = client().login()
    assert one.send(b"a APPEND Nope (\\Seen) {1023}\r\n") == (
        b"a NO [TRYCREATE] No such mailbox\r\n"
    )
    assert one.command("b NOOP") == [b"b OK NOOP completed"]
    # a name sent as a literal is only known with the message: the answer comes then
    assert one.send(b"c APPEND {4}\r\n") == b"+ Ready for literal data\r\n"
    assert one.send(b"Nope {1}\r\n") == b"+ Ready for literal data\r\n"
    assert one.send(b"x\r\n") == b"c NO [TRYCREATE] No such mailbox\r\n"
    # before LOGIN the state decides (BAD), after the literal
    other = client()
    assert other.send(b"d APPEND Nope {1}\r\n") == b"+ Ready for literal data\r\n"
    assert other.send(b"x\r\n") == b"d BAD APPEND is not valid in this state\r\n"
    assert store.count() == 0
