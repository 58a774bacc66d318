"""The selected-mailbox view: stable sequence numbers and when updates may be sent
(RFC 3501 7.4.1), \\Recent, keywords, two sessions on one mailbox, and IDLE (RFC 2177)."""

from __future__ import annotations

USER = "bob@example.com"


def test_new_mail_is_announced_at_the_next_command(client, deliver):
    deliver()
    one = client().select()
    deliver()
    assert one.command("a NOOP") == [b"* 2 EXISTS", b"* 2 RECENT", b"a OK NOOP completed"]


def test_new_mail_does_not_renumber_until_exists(client, deliver):
    deliver()
    one = client().select()
    deliver()
    # The client knows one message: FETCH 2 names nothing it was told about (yet).
    assert one.command("a FETCH 2 UID") == [b"* 2 EXISTS", b"* 2 RECENT", b"a BAD no such message"]
    deliver()
    # Told of two, 1:* means two; the third is announced after them.
    assert one.command("b FETCH 1:* UID")[:3] == [
        b"* 1 FETCH (UID 1)",
        b"* 2 FETCH (UID 2)",
        b"* 3 EXISTS",
    ]


def test_expunge_by_another_session_waits_through_fetch_store_search(client, deliver, store):
    for subject in ("one", "two", "three"):
        deliver(subject=subject)
    one = client().select()
    store.expunge(USER, [2])
    # Its bytes are gone: no data for it, and RFC 5530's EXPUNGEISSUED, never an EXPUNGE.
    reply = one.command("a FETCH 1:2 BODY.PEEK[HEADER.FIELDS (SUBJECT)]")
    assert reply == [
        b"* 1 FETCH (BODY[HEADER.FIELDS (SUBJECT)] {16}\r\nSubject: one\r\n\r\n)",
        b"a NO [EXPUNGEISSUED] Some of the requested messages no longer exist",
    ]
    assert not any(b"EXPUNGE" in line for line in one.command("b STORE 3 +FLAGS (\\Flagged)"))
    assert one.command("c SEARCH ALL") == [b"* SEARCH 1 2 3", b"c OK SEARCH completed"]
    assert one.command("d NOOP") == [b"* 2 EXPUNGE", b"d OK NOOP completed"]
    assert one.ok("e FETCH 2 UID") == [b"* 2 FETCH (UID 3)"]


def test_uid_commands_may_carry_expunge(client, deliver, store):
    deliver()
    deliver()
    one = client().select()
    store.expunge(USER, [1])
    assert one.command("a UID FETCH 2 FLAGS") == [
        b"* 2 FETCH (UID 2 FLAGS (\\Recent))",
        b"* 1 EXPUNGE",
        b"a OK FETCH completed",
    ]


def test_flag_changes_by_another_session_are_reported(client, deliver):
    deliver()
    one, two = client().select(), client().select()
    two.ok("a STORE 1 +FLAGS.SILENT (\\Answered)")
    assert one.command("b NOOP") == [
        b"* 1 FETCH (UID 1 FLAGS (\\Answered \\Recent))",
        b"b OK NOOP completed",
    ]
    assert one.command("c NOOP") == [b"c OK NOOP completed"]


def test_own_silent_store_is_not_echoed(client, deliver):
    deliver()
    one = client().select()
    assert one.command("a STORE 1 +FLAGS.SILENT (\\Seen)") == [b"a OK STORE completed"]
    assert one.command("b NOOP") == [b"b OK NOOP completed"]


def test_store_reports_flags_of_every_message_named(client, deliver):
    deliver()
    deliver()
    one = client().select()
    assert one.ok("a STORE 1:2 FLAGS (\\Flagged)") == [
        b"* 1 FETCH (FLAGS (\\Flagged \\Recent))",
        b"* 2 FETCH (FLAGS (\\Flagged \\Recent))",
    ]
    assert one.ok("b UID STORE 2 -FLAGS (\\Flagged)") == [b"* 2 FETCH (UID 2 FLAGS (\\Recent))"]


def test_new_keyword_is_announced_with_flags(client, deliver):
    deliver()
    one, two = client().select(), client().select()
    assert one.ok("a STORE 1 +FLAGS ($Important)") == [
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)",
        b"* 1 FETCH (FLAGS ($Important \\Recent))",
    ]
    assert two.ok("b NOOP") == [
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Important)",
        b"* 1 FETCH (UID 1 FLAGS ($Important))",
    ]


def test_recent_belongs_to_one_session(client, deliver):
    deliver()
    one = client().select()
    assert b"* 0 RECENT" in client().login().ok("a SELECT INBOX")
    assert one.ok("a SEARCH RECENT") == [b"* SEARCH 1"]
    deliver()
    assert one.ok("b NOOP") == [b"* 2 EXISTS", b"* 2 RECENT"]


def test_examine_does_not_take_recent(client, deliver):
    deliver()
    assert b"* 1 RECENT" in client().login().ok("a EXAMINE INBOX")
    assert b"* 1 RECENT" in client().login().ok("a SELECT INBOX")


def test_expunge_reports_and_renumbers(client, deliver):
    for _ in range(4):
        deliver()
    one = client().select()
    one.ok("a STORE 2,3 +FLAGS.SILENT (\\Deleted)")
    assert one.ok("b EXPUNGE") == [b"* 2 EXPUNGE", b"* 2 EXPUNGE"]
    assert one.ok("c FETCH 1:* UID") == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 4)"]


def test_expunge_sees_deleted_flags_set_by_others(client, deliver):
    deliver()
    deliver()
    one, two = client().select(), client().select()
    two.ok("a STORE 1 +FLAGS.SILENT (\\Deleted)")
    reply = one.ok("b EXPUNGE")
    assert reply[-1] == b"* 1 EXPUNGE"
    assert two.ok("c NOOP") == [b"* 1 EXPUNGE"]


def test_clear_empties_open_sessions(client, deliver, store):
    deliver()
    deliver()
    one = client().select()
    store.clear()
    assert one.ok("a NOOP") == [b"* 1 EXPUNGE", b"* 1 EXPUNGE"]
    deliver()
    assert one.ok("b NOOP") == [b"* 1 EXISTS", b"* 1 RECENT"]
    assert one.ok("c UID SEARCH ALL") == [b"* SEARCH 3"]


def test_mail_to_a_new_mailbox_keeps_the_uidvalidity_it_was_selected_with(client, store, deliver):
    one = client().select("new@example.com")
    validity = store.snapshot("new@example.com").uidvalidity
    deliver(to="new@example.com")
    assert one.ok("a NOOP") == [b"* 1 EXISTS", b"* 1 RECENT"]
    assert store.snapshot("new@example.com").uidvalidity == validity


def test_idle_hears_new_mail_at_once(client, deliver):
    deliver()
    one = client().select()
    assert one.send(b"a IDLE\r\n") == b"+ idling\r\n"
    deliver()
    assert one.pending() == b"* 2 EXISTS\r\n* 2 RECENT\r\n"
    assert one.send(b"DONE\r\n") == b"a OK IDLE terminated\r\n"


def test_idle_hears_flags_and_expunges(client, deliver, store):
    deliver()
    deliver()
    one = client().select()
    one.send(b"a IDLE\r\n")
    store.store_flags(USER, [2], ["\\Seen"], "add")
    assert one.pending() == b"* 2 FETCH (UID 2 FLAGS (\\Seen \\Recent))\r\n"
    store.expunge(USER, [1])
    assert one.pending() == b"* 1 EXPUNGE\r\n"
    assert one.send(b"done\r\n") == b"a OK IDLE terminated\r\n"


def test_idle_ignores_other_mailboxes(client, deliver):
    one = client().select()
    one.send(b"a IDLE\r\n")
    deliver(to="carol@example.com")
    assert one.pending() == b""


def test_idle_anything_but_done_is_bad(client):
    one = client().select()
    one.send(b"a IDLE\r\n")
    assert one.send(b"b NOOP\r\n") == b"a BAD Expected DONE\r\n"
    assert one.command("c NOOP") == [b"c OK NOOP completed"]


def test_idle_in_authenticated_state(client):
    one = client().login()
    assert one.send(b"a IDLE\r\n") == b"+ idling\r\n"
    assert one.send(b"DONE\r\n") == b"a OK IDLE terminated\r\n"
