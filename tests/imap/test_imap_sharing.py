"""Several sessions on one folder, with the engine: each sees the others' APPEND, COPY, MOVE,
EXPUNGE, flag changes and folder changes at the moments RFC 3501 7.4.1 and 5.2 allow, and
\\Recent belongs to exactly one session (RFC 3501 2.3.2)."""

from __future__ import annotations

from mailtrap.protocols.imap.utf7 import encode_utf7
from mailtrap.store import MailboxId

USER = "bob@example.com"
RAW = b"Subject: x\r\n\r\nx\r\n"


def test_append_copy_and_move_by_others_arrive_as_exists(client, deliver):
    deliver()
    watcher = client().select(mailbox="Archive")
    other = client().select()
    other.ok(b"a APPEND Archive {%d+}\r\n" % len(RAW) + RAW)
    other.ok("b COPY 1 Archive")
    deliver()
    other.ok("c NOOP")
    other.ok("d MOVE 2 Archive")
    assert watcher.ok("e NOOP") == [b"* 3 EXISTS", b"* 3 RECENT"]
    assert watcher.ok("f UID FETCH 1:* UID") == [
        b"* 1 FETCH (UID 1)",
        b"* 2 FETCH (UID 2)",
        b"* 3 FETCH (UID 3)",
    ]


def test_a_move_by_another_session_waits_through_fetch_store_and_search(client, deliver):
    for _ in range(3):
        deliver()
    one, two = client().select(), client().select()
    two.ok("a MOVE 2 Trash")
    reply = one.command("b FETCH 1:3 UID")
    assert reply == [
        b"* 1 FETCH (UID 1)",
        b"* 2 FETCH (UID 2)",  # still readable: the message lives on in Trash
        b"* 3 FETCH (UID 3)",
        b"b OK FETCH completed",
    ]
    assert not any(b"EXPUNGE" in line for line in one.command("c STORE 3 +FLAGS (\\Seen)"))
    assert one.command("d SEARCH ALL") == [b"* SEARCH 1 2 3", b"d OK SEARCH completed"]
    assert one.command("e NOOP") == [b"* 2 EXPUNGE", b"e OK NOOP completed"]


def test_recent_belongs_to_exactly_one_session(client, deliver, store):
    deliver()
    first = client().select()
    second = client().select()  # message 1 is first's
    assert first.ok("a SEARCH RECENT") == [b"* SEARCH 1"]
    assert second.ok("b SEARCH RECENT") == [b"* SEARCH"]
    third = client().login()
    third.ok(b"c APPEND INBOX {%d+}\r\n" % len(RAW) + RAW)
    # the first of the selecting sessions to hear of it takes it
    assert second.ok("e NOOP") == [b"* 2 EXISTS", b"* 1 RECENT"]
    assert first.ok("f NOOP") == [b"* 2 EXISTS", b"* 1 RECENT"]
    assert first.ok("g SEARCH RECENT") == [b"* SEARCH 1"]
    assert second.ok("h SEARCH RECENT") == [b"* SEARCH 2"]
    assert third.ok("i STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 0)"]
    # a new message no session has seen yet is recent for STATUS, and STATUS takes nothing
    deliver()
    assert third.ok("j STATUS INBOX (RECENT MESSAGES)") == [b"* STATUS INBOX (RECENT 1 MESSAGES 3)"]
    assert first.ok("k NOOP") == [b"* 3 EXISTS", b"* 2 RECENT"]


def test_status_of_the_selected_mailbox_counts_this_sessions_recent(client, deliver):
    deliver()
    deliver()
    one = client().select()
    assert one.ok("a STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 2)"]
    assert client().login().ok("b STATUS INBOX (RECENT)") == [b"* STATUS INBOX (RECENT 0)"]


def test_deleting_the_selected_folder_empties_the_session(client, store):
    one = client().select(mailbox="Archive")
    for _ in range(2):
        store.append(MailboxId(USER, "Archive"), RAW)
    assert one.ok("a NOOP") == [b"* 2 EXISTS", b"* 2 RECENT"]
    other = client().login()
    other.ok("b DELETE Archive")
    other.ok("c CREATE Archive")
    store.append(MailboxId(USER, "Archive"), RAW)
    # never expunged during FETCH; the bytes went with the folder, so no data either
    assert one.command("d FETCH 1:2 FLAGS")[-1].startswith(b"d OK")
    assert one.ok("e NOOP") == [b"* 1 EXPUNGE", b"* 1 EXPUNGE"]
    # the folder made again under the name is another folder: nothing of it reaches this view
    assert one.ok("f NOOP") == []
    assert one.ok("g UID SEARCH ALL") == [b"* SEARCH"]
    assert store.folder(MailboxId(USER, "Archive")).total == 1


def test_a_session_in_the_deleted_folder_cannot_touch_the_new_one(client, store):
    one = client().select(mailbox="Archive")
    store.append(MailboxId(USER, "Archive"), RAW)
    one.ok("a NOOP")
    other = client().login()
    other.ok("b DELETE Archive")
    other.ok("c CREATE Archive")
    store.append(MailboxId(USER, "Archive"), RAW)  # UID 1 of the new folder
    one.ok("d STORE 1 +FLAGS (\\Deleted)")
    one.ok("e EXPUNGE")
    assert [e.flags for e in store.snapshot(MailboxId(USER, "Archive")).entries] == [frozenset()]


def test_an_idling_session_hears_its_folder_deleted(client, store):
    store.open_account(USER)
    one = client().select(mailbox="Junk")
    store.append(MailboxId(USER, "Junk"), RAW)
    one.ok("a NOOP")
    one.send(b"b IDLE\r\n")
    client().login().ok("c DELETE Junk")
    assert one.pending() == b"* 1 EXPUNGE\r\n"
    assert one.send(b"DONE\r\n") == b"b OK IDLE terminated\r\n"


def test_renaming_the_selected_folder_keeps_the_session_in_it(client, store):
    one = client().select(mailbox="Drafts")
    store.append(MailboxId(USER, "Drafts"), RAW)
    one.ok("a NOOP")
    client().login().ok(b"b RENAME Drafts " + encode_utf7("Entwürfe"))
    one.ok("c STORE 1 +FLAGS.SILENT (\\Flagged)")
    [entry] = store.snapshot(MailboxId(USER, "Entwürfe")).entries
    assert entry.flags == {"\\Flagged"}
    store.append(MailboxId(USER, "Entwürfe"), RAW)
    assert one.ok("d NOOP") == [b"* 2 EXISTS", b"* 2 RECENT"]
    # the folder keeps its use, so the next login makes no new Drafts
    client().login()
    assert store.folder(MailboxId(USER, "Drafts")) is None


def test_renaming_inbox_expunges_its_mail_from_sessions_on_inbox(client, deliver):
    deliver()
    deliver()
    one = client().select()
    client().login().ok("a RENAME INBOX Old")
    assert one.ok("b NOOP") == [b"* 1 EXPUNGE", b"* 1 EXPUNGE"]
    deliver()
    assert one.ok("c NOOP") == [b"* 1 EXISTS", b"* 1 RECENT"]
    assert one.ok("d UID SEARCH ALL") == [b"* SEARCH 3"]


def test_flag_changes_by_others_in_a_folder_other_than_inbox(client, store):
    one, two = client().select(mailbox="Sent"), client().select(mailbox="Sent")
    store.append(MailboxId(USER, "Sent"), RAW)
    one.ok("a NOOP")
    two.ok("b NOOP")
    two.ok("c STORE 1 +FLAGS.SILENT (\\Answered)")
    assert one.ok("d NOOP") == [b"* 1 FETCH (UID 1 FLAGS (\\Answered \\Recent))"]
