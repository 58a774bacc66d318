"""Scripted dialogues with the engine, no sockets: states, authentication, mailbox commands."""

from __future__ import annotations

import base64

import pytest


def test_greeting_lists_capabilities(client):
    greeting = client().greeting
    assert greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")
    assert b"STARTTLS" not in greeting


def test_capability_lists_only_what_works(client):
    [line] = client().ok("a CAPABILITY")
    caps = set(line.split()[2:])
    assert {b"IMAP4rev1", b"IDLE", b"AUTH=PLAIN", b"SASL-IR", b"LITERAL+", b"UNSELECT"} <= caps
    assert {b"UIDPLUS", b"MOVE", b"MULTIAPPEND", b"SPECIAL-USE", b"CREATE-SPECIAL-USE"} <= caps
    assert {b"LIST-EXTENDED", b"LIST-STATUS", b"NAMESPACE", b"ID", b"ENABLE"} <= caps
    assert not caps & {b"CONDSTORE", b"QRESYNC", b"STARTTLS", b"BINARY", b"LITERAL-"}
    assert not any(cap.startswith(b"APPENDLIMIT") for cap in caps)  # no limit given


def test_appendlimit_is_the_message_size_limit(client):
    # RFC 7889 2: the limit in the capability, and NO [TOOBIG] past it (RFC 7889 4)
    [line] = client(max_message=1000).ok("a CAPABILITY")
    assert b"APPENDLIMIT=1000" in line.split()


def test_starttls_offered_only_before_tls_and_login(client):
    plain = client(tls_available=True)
    assert b"STARTTLS" in plain.greeting
    assert b"STARTTLS" not in client(tls_available=True, tls_active=True).greeting
    plain.login()
    assert b"STARTTLS" not in plain.ok("a CAPABILITY")[0]


def test_starttls_drops_pipelined_commands(client):
    one = client(tls_available=True)
    out = one.send(b"a STARTTLS\r\nb LOGIN evil@example.com x\r\n")
    assert out == b"a OK Begin TLS negotiation now\r\n"
    assert one.connection.wants_tls
    one.send(b"c NOOP\r\n")  # still plain text: ignored
    one.connection.tls_started()
    assert one.command("d CAPABILITY")[-1].startswith(b"d OK")
    assert one.connection.session.user is None


def test_starttls_without_tls_is_refused(client):
    assert client().command("a STARTTLS") == [b"a NO TLS is not configured on this server"]


def test_commands_outside_their_state_are_bad(client):
    one = client()
    assert one.command("a SELECT INBOX") == [b"a BAD SELECT is not valid in this state"]
    assert one.command("b FETCH 1 FLAGS")[0].startswith(b"b BAD")
    one.login()
    assert one.command("c LOGIN x y")[0].startswith(b"c BAD")
    assert one.command("d EXPUNGE")[0].startswith(b"d BAD")


def test_login_any_password(client):
    one = client()
    assert one.command("a LOGIN bob@example.com whatever")[-1].startswith(b"a OK [CAPABILITY")
    assert one.connection.session.user == "bob@example.com"


def test_login_with_literal_user(client):
    one = client()
    assert one.send(b"a LOGIN {15}\r\n") == b"+ Ready for literal data\r\n"
    assert one.send(b"bob@example.com pw\r\n").startswith(b"a OK")


def test_login_rejects_empty_user(client):
    assert client().command('a LOGIN "" pw')[0].startswith(b"a NO [AUTHENTICATIONFAILED]")


def plain(authzid: bytes, authcid: bytes) -> bytes:
    return base64.b64encode(authzid + b"\0" + authcid + b"\0secret")


def test_authenticate_plain_with_initial_response(client):
    one = client()
    reply = one.command(b"a AUTHENTICATE PLAIN " + plain(b"", b"bob@example.com"))
    assert reply[-1].startswith(b"a OK")
    assert one.connection.session.user == "bob@example.com"


def test_authenticate_plain_with_continuation_and_authzid(client):
    one = client()
    assert one.send(b"a AUTHENTICATE PLAIN\r\n") == b"+ \r\n"
    reply = one.send(plain(b"bob@example.com", b"bob@example.com") + b"\r\n")
    assert reply.startswith(b"a OK")
    assert one.connection.session.user == "bob@example.com"


def test_authenticate_cancelled(client):
    one = client()
    one.send(b"a AUTHENTICATE PLAIN\r\n")
    assert one.send(b"*\r\n") == b"a BAD AUTHENTICATE cancelled\r\n"
    assert one.command("b NOOP") == [b"b OK NOOP completed"]


def test_authenticate_bad_base64_and_mechanism(client):
    one = client()
    assert one.command("a AUTHENTICATE PLAIN !!!")[0].startswith(b"a BAD")
    assert one.command("b AUTHENTICATE GSSAPI")[0].startswith(b"b NO [CANNOT]")
    assert one.command(b"c AUTHENTICATE PLAIN " + base64.b64encode(b"x"))[0].startswith(b"c NO")


def test_logout_closes(client):
    one = client()
    assert one.command("a LOGOUT") == [b"* BYE Logging out", b"a OK LOGOUT completed"]
    assert one.connection.closed
    assert one.send(b"b NOOP\r\n") == b""


def test_select_empty_mailbox(client, deliver, store):
    one = client().login("nobody@example.com")
    out = one.ok("a SELECT INBOX")
    assert b"* 0 EXISTS" in out
    uidvalidity = store.snapshot("nobody@example.com").uidvalidity
    assert f"* OK [UIDVALIDITY {uidvalidity}] UIDs valid".encode() in out
    # The first delivery keeps it: no resync for clients that saw the empty mailbox.
    deliver(to="nobody@example.com", subject="first")
    assert b"* 1 EXISTS" in one.ok("b NOOP")
    assert store.snapshot("nobody@example.com").uidvalidity == uidvalidity


def test_select_reports_mailbox_state(client, deliver, store):
    deliver(subject="one")
    deliver(subject="two")
    store.store_flags("bob@example.com", [1], ["\\Seen", "Work"], "add")
    one = client().login()
    reply = one.command("a SELECT INBOX")
    snapshot = store.snapshot("bob@example.com")
    assert reply == [
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft Work)",
        b"* 2 EXISTS",
        b"* 2 RECENT",
        b"* OK [UNSEEN 2] First unseen",
        b"* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Flags allowed",
        b"* OK [UIDVALIDITY %d] UIDs valid" % snapshot.uidvalidity,
        b"* OK [UIDNEXT 3] Predicted next UID",
        b"a OK [READ-WRITE] SELECT completed",
    ]


def test_examine_is_read_only(client, deliver):
    deliver()
    one = client().login()
    reply = one.command("a EXAMINE INBOX")
    assert b"* OK [PERMANENTFLAGS ()] Flags allowed" in reply
    assert reply[-1] == b"a OK [READ-ONLY] EXAMINE completed"
    assert one.command("b STORE 1 +FLAGS (\\Seen)")[0].startswith(b"b NO [READ-ONLY]")
    assert one.command("c EXPUNGE")[0].startswith(b"c NO [READ-ONLY]")
    one.ok("d FETCH 1 BODY[]")
    assert one.ok("e FETCH 1 FLAGS") == [b"* 1 FETCH (FLAGS (\\Recent))"]


def test_select_unknown_mailbox_leaves_nothing_selected(client):
    one = client().select()
    assert one.command("a SELECT Nope") == [b"a NO [NONEXISTENT] No such mailbox"]
    assert one.command("b FETCH 1 FLAGS")[0].startswith(b"b BAD")


def test_close_expunges_silently_and_unselect_does_not(client, deliver, store):
    for _ in range(3):
        deliver()
    one = client().select()
    one.ok("a STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert one.ok("b UNSELECT") == []
    assert len(store.snapshot("bob@example.com").entries) == 3
    one.ok("c SELECT INBOX")
    assert one.ok("d CLOSE") == []
    assert [e.uid for e in store.snapshot("bob@example.com").entries] == [2, 3]
    assert one.command("e NOOP") == [b"e OK NOOP completed"]


def test_list_empty_pattern_gives_the_delimiter(client):
    assert client().login().ok('a LIST "" ""') == [b'* LIST (\\Noselect) "/" ""']


def test_status(client, deliver, store):
    deliver()
    deliver()
    store.store_flags("bob@example.com", [1], ["\\Seen"], "add")
    one = client().login()
    [line] = one.ok("a STATUS INBOX (MESSAGES RECENT UIDNEXT UNSEEN)")
    assert line == b"* STATUS INBOX (MESSAGES 2 RECENT 2 UIDNEXT 3 UNSEEN 1)"
    assert one.command("b STATUS Nope (MESSAGES)")[0].startswith(b"b NO [NONEXISTENT]")


def test_namespace_id_enable(client):
    one = client()
    assert one.ok('a ID ("name" "test")')[0].startswith(b'* ID ("name" "mailtrap" "version" ')
    one.login()
    assert one.ok("b NAMESPACE") == [b'* NAMESPACE (("" "/")) NIL NIL']
    assert one.ok("c ENABLE CONDSTORE") == [b"* ENABLED"]


def test_an_unknown_command_is_refused_before_its_literal(client):
    # RFC 3501 7.5's example; its literal is over the 64 KiB command limit too: BAD [TOOBIG]
    one = client()
    assert one.send(b"A044 BLURDYBLOOP {102856}\r\n").startswith(b"A044 BAD ")
    assert one.send(b"A044 BLURDYBLOOP {10285}\r\n") == b"A044 BAD Unknown command\r\n"
    assert one.send(b"A045 UID FROB {1}\r\n") == b"A045 BAD Unknown command\r\n"
    assert one.send(b"A046 LOGIN {3}\r\n") == b"+ Ready for literal data\r\n"
    assert one.send(b"bob x\r\n").startswith(b"A046 OK")


def test_syntax_errors_are_bad_and_the_session_goes_on(client):
    one = client()
    assert one.command("a LOGIN")[0] == b"a BAD Syntax error: expected a space"
    assert one.command("+++")[0] == b"* BAD Syntax error: missing or invalid tag"
    assert one.command("b NOOP") == [b"b OK NOOP completed"]


def test_overlong_line_is_bad_and_the_session_goes_on(client):
    one = client(max_line=1000)
    out = one.send(b"a LOGIN " + b"x" * 5000 + b"\r\nb NOOP\r\n")
    assert out == b"a BAD [TOOBIG] Command line too long\r\nb OK NOOP completed\r\n"


def test_oversize_literal_is_refused(client):
    one = client(max_command=100)
    out = one.send(b"a LOGIN {1000}\r\nb NOOP\r\n")
    assert out == b"a BAD [TOOBIG] Literal too large\r\nb OK NOOP completed\r\n"


def test_pipelined_commands_are_answered_in_order(client, deliver):
    deliver()
    one = client()
    out = one.send(b"a LOGIN bob@example.com x\r\nb SELECT INBOX\r\nc FETCH 1 UID\r\nd NOOP\r\n")
    tags = [line.split(b" ")[0] for line in out.split(b"\r\n") if line and line[:1] != b"*"]
    assert tags == [b"a", b"b", b"c", b"d"]


def test_byte_by_byte_dialogue(client, deliver):
    deliver()
    one = client()
    out = one.send(b"a LOGIN {15}\r\nbob@example.com x\r\nb SELECT INBOX\r\n", mode="bytes")
    assert b"a OK" in out
    assert b"* 1 EXISTS" in out
    assert out.endswith(b"b OK [READ-WRITE] SELECT completed\r\n")


@pytest.mark.parametrize(
    "line",
    [
        "CREATE x",
        "DELETE x",
        "RENAME x y",
        "SUBSCRIBE x",
        "UNSUBSCRIBE x",
        'LIST "" *',
        'LSUB "" *',
        "STATUS INBOX (MESSAGES)",
        "NAMESPACE",
        "ENABLE MOVE",
        "SELECT INBOX",
    ],
)
def test_authenticated_commands_need_a_login(client, line):
    name = line.split()[0]
    assert client().command("a " + line) == [b"a BAD %s is not valid in this state" % name.encode()]


@pytest.mark.parametrize(
    "line",
    [
        "CHECK",
        "CLOSE",
        "UNSELECT",
        "EXPUNGE",
        "COPY 1 Trash",
        "MOVE 1 Trash",
        "UID COPY 1 Trash",
        "UID MOVE 1 Trash",
        "UID EXPUNGE 1",
        "FETCH 1 FLAGS",
        "STORE 1 +FLAGS (\\Seen)",
        "SEARCH ALL",
    ],
)
def test_selected_commands_need_a_mailbox(client, line):
    one = client().login()
    [reply] = one.command("a " + line)
    assert reply.startswith(b"a BAD ") and reply.endswith(b" is not valid in this state")
