"""COPY, MOVE and UID EXPUNGE with the engine, no sockets (RFC 3501 6.4.7, RFC 6851, RFC 4315):
the UIDs handed back, flags carried over, what the session and the others are told."""

from __future__ import annotations

from mailtrap.store import MailboxId

USER = "bob@example.com"


def uidvalidity(store, folder: str) -> int:
    return store.folder(MailboxId(USER, folder)).uidvalidity


def uids(store, folder: str) -> list[int]:
    return [e.uid for e in store.snapshot(MailboxId(USER, folder)).entries]


def test_copy_returns_copyuid_and_keeps_flags(client, deliver, store):
    for subject in ("one", "two", "three", "four"):
        deliver(subject=subject)
    one = client().select()
    one.ok("a STORE 2 +FLAGS.SILENT (\\Flagged $Work)")
    one.ok("b COPY 2 Archive")
    reply = one.command("c COPY 2:4 Archive")
    v = uidvalidity(store, "Archive")
    assert reply == [b"c OK [COPYUID %d 2:4 2:4] COPY completed" % v]
    entries = store.snapshot(MailboxId(USER, "Archive")).entries
    assert [(e.uid, sorted(e.flags)) for e in entries] == [
        (1, ["$Work", "\\Flagged"]),
        (2, ["$Work", "\\Flagged"]),
        (3, []),
        (4, []),
    ]
    assert store.count() == 4  # copies link the stored messages
    assert uids(store, "INBOX") == [1, 2, 3, 4]
    # the copies are recent for the next session that selects the folder (RFC 3501 6.4.7)
    assert b"* 4 RECENT" in client().login().ok("d SELECT Archive")


def test_uid_copy_of_uids_that_do_not_exist_copies_nothing(client, deliver):
    deliver()
    one = client().select()
    assert one.command("a UID COPY 305:310 Archive") == [b"a OK COPY completed"]


def test_copy_source_uids_are_listed_in_order_with_gaps(client, deliver, store):
    for _ in range(5):
        deliver()
    one = client().select()
    one.ok("a STORE 2,3 +FLAGS.SILENT (\\Deleted)")
    one.ok("b EXPUNGE")
    reply = one.command("c COPY 1:3 Trash")
    assert reply == [b"c OK [COPYUID %d 1,4:5 1:3] COPY completed" % uidvalidity(store, "Trash")]


def test_copy_to_a_missing_folder_says_trycreate(client, deliver, store):
    deliver()
    one = client().select()
    assert one.command("a COPY 1 Nope") == [b"a NO [TRYCREATE] No such mailbox"]
    assert one.command("b MOVE 1 Nope") == [b"b NO [TRYCREATE] No such mailbox"]
    assert uids(store, "INBOX") == [1]


def test_copy_needs_a_selected_mailbox_and_valid_numbers(client, deliver):
    deliver()
    one = client().login()
    assert one.command("a COPY 1 Trash") == [b"a BAD COPY is not valid in this state"]
    one.ok("b SELECT INBOX")
    assert one.command("c COPY 2 Trash") == [b"c BAD no such message"]
    assert one.command("d MOVE 0 Trash")[0].startswith(b"d BAD Syntax error")


def test_copy_to_the_selected_mailbox_announces_the_copies(client, deliver):
    deliver()
    one = client().select()
    reply = one.command("a COPY 1 INBOX")
    assert reply[:2] == [b"* 2 EXISTS", b"* 2 RECENT"]
    assert reply[2].startswith(b"a OK [COPYUID ")


def test_move_sends_copyuid_then_expunges(client, deliver, store):
    # RFC 6851 3.3 and 4.3
    for _ in range(4):
        deliver()
    one = client().select()
    v = uidvalidity(store, "Trash")
    assert one.command("a UID MOVE 2:3 Trash") == [
        b"* OK [COPYUID %d 2:3 1:2] Moved" % v,
        b"* 2 EXPUNGE",
        b"* 2 EXPUNGE",
        b"a OK MOVE completed",
    ]
    assert uids(store, "INBOX") == [1, 4]
    assert uids(store, "Trash") == [1, 2]
    assert store.count() == 4
    assert one.ok("b FETCH 1:* UID") == [b"* 1 FETCH (UID 1)", b"* 2 FETCH (UID 4)"]
    assert one.command("c MOVE 1 Trash")[:2] == [
        b"* OK [COPYUID %d 1 3] Moved" % v,
        b"* 1 EXPUNGE",
    ]


def test_move_of_nothing_answers_ok_without_codes(client, deliver):
    deliver()
    one = client().select()
    assert one.command("a UID MOVE 99 Trash") == [b"a OK MOVE completed"]


def test_move_within_the_selected_mailbox(client, deliver, store):
    # RFC 6851 3.3: moving to the selected mailbox is allowed; the message gets a new UID
    deliver()
    deliver()
    one = client().select()
    reply = one.command("a MOVE 1 INBOX")
    v = uidvalidity(store, "INBOX")
    assert reply == [
        b"* OK [COPYUID %d 1 3] Moved" % v,
        b"* 1 EXPUNGE",
        b"* 2 EXISTS",
        b"* 2 RECENT",
        b"a OK MOVE completed",
    ]
    assert one.ok("b FETCH 1:* UID") == [b"* 1 FETCH (UID 2)", b"* 2 FETCH (UID 3)"]


def test_move_in_a_read_only_mailbox_is_refused_copy_is_not(client, deliver, store):
    deliver()
    one = client().login()
    one.ok("a EXAMINE INBOX")
    assert one.command("b MOVE 1 Trash") == [b"b NO [READ-ONLY] The mailbox is read-only"]
    assert one.command("c COPY 1 Trash")[0].startswith(b"c OK [COPYUID ")
    assert uids(store, "INBOX") == [1]


def test_other_sessions_see_a_move_at_their_next_command(client, deliver):
    for _ in range(3):
        deliver()
    one, two = client().select(), client().login()
    two.ok("a SELECT Trash")
    one.ok("b MOVE 2 Trash")
    watcher = client().select()
    assert watcher.ok("c FETCH 1:* UID") == [
        b"* 1 FETCH (UID 1)",
        b"* 2 FETCH (UID 3)",
    ]
    assert two.ok("d NOOP") == [b"* 1 EXISTS", b"* 1 RECENT"]


def test_uid_expunge_removes_only_deleted_messages_in_the_set(client, deliver, store):
    # RFC 4315 2.1
    for _ in range(5):
        deliver()
    one = client().select()
    one.ok("a STORE 1:4 +FLAGS.SILENT (\\Deleted)")
    assert one.command("b UID EXPUNGE 2:3,5") == [
        b"* 2 EXPUNGE",
        b"* 2 EXPUNGE",
        b"b OK UID EXPUNGE completed",
    ]
    assert uids(store, "INBOX") == [1, 4, 5]
    assert one.ok("c EXPUNGE") == [b"* 1 EXPUNGE", b"* 1 EXPUNGE"]
    assert uids(store, "INBOX") == [5]


def test_uid_expunge_in_a_read_only_mailbox_is_refused(client, deliver):
    deliver()
    one = client().login()
    one.ok("a EXAMINE INBOX")
    assert one.command("b UID EXPUNGE 1") == [b"b NO [READ-ONLY] The mailbox is read-only"]


def test_check_close_unselect(client, deliver, store):
    for _ in range(3):
        deliver()
    one = client().select()
    assert one.command("a CHECK") == [b"a OK CHECK completed"]
    one.ok("b STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert one.command("c UNSELECT") == [b"c OK UNSELECT completed"]
    assert one.command("d FETCH 1 UID") == [b"d BAD FETCH is not valid in this state"]
    assert uids(store, "INBOX") == [1, 2, 3]
    one.ok("e SELECT INBOX")
    assert one.command("f CLOSE") == [b"f OK CLOSE completed"]  # no EXPUNGE responses
    assert uids(store, "INBOX") == [2, 3]
    assert one.command("g CLOSE") == [b"g BAD CLOSE is not valid in this state"]
    assert one.command("h CHECK") == [b"h BAD CHECK is not valid in this state"]


def run_paused(one, line: bytes) -> tuple[int, bytes]:
    """Send a command and take its answer a data_to_send() at a time; (pauses, answer)."""
    one.connection.receive_data(line + b"\r\n")
    pauses, out = 0, b""
    while one.connection.busy:
        chunk = one.connection.data_to_send()
        pauses += not chunk
        out += chunk
    return pauses, out


def test_big_copies_moves_and_expunges_pause_between_batches(client, store, monkeypatch):
    # the event loop is shared: work that grows with the mailbox yields between slices
    from mailtrap.protocols.imap import outcomes

    monkeypatch.setattr(outcomes, "SLICE", 0.0)  # every batch is a slice
    store.open_account(USER)
    for _ in range(2500):
        store.deliver("a@x.org", [USER], b"Subject: x\r\n\r\nx\r\n")
    one = client().select()
    pauses, out = run_paused(one, b"a COPY 1:* Archive")
    assert pauses == 3 and out.endswith(
        b"a OK [COPYUID %d 1:2500 1:2500] COPY completed\r\n" % (uidvalidity(store, "Archive"))
    )
    one.ok("b STORE 1:* +FLAGS.SILENT (\\Deleted)")
    pauses, out = run_paused(one, b"c EXPUNGE")
    assert pauses >= 2 and out.count(b"* 1 EXPUNGE\r\n") == 2500
    one.ok("d SELECT Archive")
    pauses, out = run_paused(one, b"e MOVE 1:* Trash")
    assert pauses == 3 and out.count(b" EXPUNGE\r\n") == 2500
    assert [len(uids(store, f)) for f in ("INBOX", "Archive", "Trash")] == [0, 0, 2500]


def test_a_copy_whose_target_goes_away_midway_leaves_nothing_behind(client, store, monkeypatch):
    from mailtrap.protocols.imap import outcomes

    monkeypatch.setattr(outcomes, "SLICE", 0.0)
    store.open_account(USER)
    for _ in range(1500):
        store.deliver("a@x.org", [USER], b"Subject: x\r\n\r\nx\r\n")
    one = client().select()
    one.connection.receive_data(b"a COPY 1:* Archive\r\n")
    assert one.connection.data_to_send() == b""  # paused after the first batch
    store.create_folder(MailboxId(USER, "Archive/Old"))  # keeps Archive as \Noselect
    store.delete_folder(MailboxId(USER, "Archive"))
    assert one.pending() == b"a NO [TRYCREATE] No such mailbox\r\n"
    assert store.count() == 1500 and len(store.links(store.messages(USER)[0].id)) == 1
    # a MOVE keeps what moved, reports it, and then says NO
    one.connection.receive_data(b"b MOVE 1:* Trash\r\n")
    assert one.connection.data_to_send() == b""
    store.delete_folder(MailboxId(USER, "Trash"))
    out = one.pending()
    assert out.startswith(b"* OK [COPYUID ")
    assert out.count(b"* 1 EXPUNGE\r\n") == 1000
    assert out.endswith(b"b NO [TRYCREATE] No such mailbox\r\n")
    assert len(uids(store, "INBOX")) == 500
