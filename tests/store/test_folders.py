"""Folder operations: create, delete, rename, append, copy, move, flags per folder,
subscriptions (RFC 3501 6.3.3-6.3.7, RFC 4315 UIDs, RFC 6851 MOVE)."""

from __future__ import annotations

import pytest
from storecases import RAW

from mailtrap.store import (
    INBOX,
    SEEN,
    FolderError,
    FolderExists,
    MailboxId,
    NoSuchFolder,
)

BOB = "bob@x.org"


def box(name: str, owner: str = BOB) -> MailboxId:
    return MailboxId(owner, name)


def names(store, owner: str = BOB) -> list[str]:
    return [f.name for f in store.folders(owner)]


def test_an_account_starts_with_its_inbox(store):
    store.deliver("a@x.org", [BOB], RAW)
    assert names(store) == [INBOX]
    assert store.folder(BOB).total == 1


def test_create_makes_missing_parents_and_lists_inbox_first(store):
    store.create_folder(box("Work/2024/Q1"))
    store.create_folder(box("Archive"))
    assert names(store) == [INBOX, "Archive", "Work", "Work/2024", "Work/2024/Q1"]
    assert store.snapshot(box("Work/2024")).entries == ()


def test_create_refuses_existing_names_and_bad_names(store):
    store.create_folder(box("Sent"))
    with pytest.raises(FolderExists):
        store.create_folder(box("Sent"))
    with pytest.raises(FolderExists):
        store.create_folder(box("inbox"))
    for bad in ("", "/", "a//b", "x\x00y"):
        with pytest.raises(FolderError):
            store.create_folder(box(bad))


def test_create_with_a_trailing_delimiter_creates_the_name(store):
    store.create_folder(box("Projects/"))
    assert "Projects" in names(store)


def test_folder_names_other_than_inbox_are_case_sensitive(store):
    store.create_folder(box("Sent"))
    store.create_folder(box("sent"))
    assert names(store) == [INBOX, "Sent", "sent"]
    assert store.resolve(box("inbox")) == box(INBOX)


def test_special_use_is_kept(store):
    store.create_folder(box("Drafts"), special_use="\\Drafts")
    assert store.folder(box("Drafts")).special_use == "\\Drafts"
    assert store.folder(box("Drafts")).special_uses == {"\\Drafts"}
    with pytest.raises(FolderError):
        store.create_folder(box("Other"), special_use="\\Bogus")
    assert store.folder(box("Other")) is None


def test_a_folder_may_have_several_special_uses(store):
    # RFC 6154 5.3: CREATE MySpecial (USE (\Drafts \Sent))
    store.create_folder(box("MySpecial"), special_use=["\\Drafts", "\\Sent"])
    assert store.folder(box("MySpecial")).special_uses == {"\\Drafts", "\\Sent"}
    store.rename_folder(box("MySpecial"), "Outbox")  # the use goes with the folder
    assert store.folder(box("Outbox")).special_uses == {"\\Drafts", "\\Sent"}


def test_inbox_as_the_first_level_is_inbox_in_any_case(store):
    store.create_folder(box("inbox/Sub"))
    assert names(store) == [INBOX, "INBOX/Sub"]
    assert store.folder(box("Inbox/Sub")).name == "INBOX/Sub"
    store.set_subscribed(box("iNbOx/Sub"), True)
    assert store.subscriptions(BOB) == [INBOX, "INBOX/Sub"]
    assert names(store) == [INBOX, "INBOX/Sub"]  # INBOX was never created twice


def test_folder_counts_follow_every_change(store):
    sent = box("Sent")
    store.create_folder(sent)
    for flags in ([], [SEEN], []):
        store.append(sent, RAW, flags=flags)
    assert (store.folder(sent).total, store.folder(sent).unseen) == (3, 2)
    store.store_flags(sent, [1, 2], [SEEN], "add")
    assert store.folder(sent).unseen == 1
    store.store_flags(sent, [2], [SEEN], "remove")
    assert store.folder(sent).unseen == 2
    store.expunge(sent, [2])
    assert (store.folder(sent).total, store.folder(sent).unseen) == (2, 1)
    store.copy(sent, [1, 3], box("INBOX"))
    assert (store.folder(BOB).total, store.folder(BOB).unseen) == (2, 1)
    store.move(sent, [3], box("INBOX"))
    assert (store.folder(sent).total, store.folder(sent).unseen) == (1, 0)
    store.rename_folder(box("INBOX"), "Old")
    assert (store.folder(BOB).total, store.folder(BOB).unseen) == (0, 0)
    assert (store.folder(box("Old")).total, store.folder(box("Old")).unseen) == (3, 2)
    store.set_seen([e.message.id for e in store.snapshot(box("Old")).entries], True)
    assert store.folder(box("Old")).unseen == 0
    store.clear()
    assert [(f.total, f.unseen) for f in store.folders(BOB)] == [(0, 0), (0, 0), (0, 0)]


def test_delete_removes_the_folder_and_its_messages(store):
    trash = box("Trash")
    store.create_folder(trash)
    entry = store.append(trash, RAW)
    store.delete_folder(trash)
    assert names(store) == [INBOX]
    assert store.get(entry.message.id) is None
    with pytest.raises(NoSuchFolder):
        store.delete_folder(trash)


def test_delete_inbox_is_refused(store):
    store.open_account(BOB)
    with pytest.raises(FolderError):
        store.delete_folder(box(INBOX))


def test_delete_a_parent_keeps_it_as_noselect(store):
    store.create_folder(box("Work/Old"))
    store.append(box("Work"), RAW)
    store.delete_folder(box("Work"))
    work = store.folder(box("Work"))
    assert work.noselect and work.total == 0
    assert store.snapshot(box("Work")) is None  # cannot be selected
    with pytest.raises(NoSuchFolder):
        store.append(box("Work"), RAW)
    with pytest.raises(FolderError):  # RFC 3501 6.3.4: \Noselect with children
        store.delete_folder(box("Work"))
    store.delete_folder(box("Work/Old"))
    store.delete_folder(box("Work"))
    assert names(store) == [INBOX]


def test_creating_a_noselect_name_makes_it_a_folder_again(store):
    store.create_folder(box("Work/Old"))
    before = store.folder(box("Work")).uidvalidity
    store.delete_folder(box("Work"))
    again = store.create_folder(box("Work"))
    assert not again.noselect and again.uidvalidity > before


def test_rename_carries_children(store):
    store.create_folder(box("Work/A"))
    store.create_folder(box("Work/B"))
    store.create_folder(box("Workshop"))
    store.append(box("Work/A"), RAW)
    store.rename_folder(box("Work"), "Jobs/Current")
    assert names(store) == [
        INBOX,
        "Jobs",
        "Jobs/Current",
        "Jobs/Current/A",
        "Jobs/Current/B",
        "Workshop",
    ]
    assert len(store.snapshot(box("Jobs/Current/A")).entries) == 1


def test_rename_refusals(store):
    store.create_folder(box("A"))
    store.create_folder(box("B"))
    with pytest.raises(FolderExists):
        store.rename_folder(box("A"), "B")
    with pytest.raises(FolderExists):
        store.rename_folder(box("A"), "inbox")
    with pytest.raises(NoSuchFolder):
        store.rename_folder(box("Nope"), "C")
    with pytest.raises(FolderError):
        store.rename_folder(box("A"), "A/inside")


def test_rename_inbox_moves_its_mail_and_leaves_it_empty(store):
    for _ in range(2):
        store.deliver("a@x.org", [BOB], RAW)
    store.store_flags(BOB, [2], [SEEN], "add")
    inbox = store.folder(BOB)
    store.rename_folder(box("INBOX"), "Old mail")
    assert store.snapshot(BOB).entries == ()
    assert (store.folder(BOB).uidvalidity, store.folder(BOB).uidnext) == (inbox.uidvalidity, 3)
    moved = store.snapshot(box("Old mail"))
    assert [(e.uid, e.flags) for e in moved.entries] == [(1, frozenset()), (2, {SEEN})]
    assert store.count() == 2
    store.deliver("a@x.org", [BOB], RAW)
    assert [e.uid for e in store.snapshot(BOB).entries] == [3]


def test_append_with_flags_and_internal_date(store):
    sent = box("Sent")
    store.create_folder(sent)
    entry = store.append(sent, RAW, flags=[SEEN, "$Label"], internal_date=1_000_000_000.0)
    assert entry.uid == 1 and entry.flags == {SEEN, "$Label"}
    message = store.get(entry.message.id)
    assert (message.mail_from, message.rcpt_tos) == ("", ())
    assert message.internal_date == 1_000_000_000.0 and message.received > message.internal_date
    assert store.raw(message.id) == RAW
    assert store.messages() == [message]  # appended mail is stored mail
    assert store.messages(sent) == [message]
    with pytest.raises(NoSuchFolder):
        store.append(box("Nowhere"), RAW)


def test_copy_links_once_stored_messages_and_returns_uid_pairs(store):
    archive = box("Archive")
    store.create_folder(archive)
    store.append(archive, RAW)  # archive's UID 1
    sent = [store.deliver("a@x.org", [BOB], RAW) for _ in range(3)]
    store.store_flags(BOB, [2], ["\\Flagged"], "add")
    pairs = store.copy(BOB, [3, 2, 99], archive)
    assert pairs == [(2, 2), (3, 3)]
    assert store.count() == 4  # copies are links, not new messages
    entries = store.snapshot(archive).entries
    assert [(e.uid, e.message.id, e.flags) for e in entries[1:]] == [
        (2, sent[1].id, {"\\Flagged"}),
        (3, sent[2].id, frozenset()),
    ]
    # flags are per folder from now on
    store.store_flags(archive, [2], [SEEN], "add")
    assert store.snapshot(BOB).entries[1].flags == {"\\Flagged"}
    assert len(store.links(sent[1].id)) == 2


def test_move_links_then_unlinks_in_one_step(store):
    trash = box("Trash")
    store.create_folder(trash)
    sent = [store.deliver("a@x.org", [BOB], RAW) for _ in range(3)]
    assert store.move(BOB, [1, 3], trash) == [(1, 1), (3, 2)]
    assert [e.message.id for e in store.snapshot(BOB).entries] == [sent[1].id]
    assert [e.message.id for e in store.snapshot(trash).entries] == [sent[0].id, sent[2].id]
    assert store.count() == 3


def test_copy_and_move_refusals(store):
    store.deliver("a@x.org", [BOB], RAW)
    store.open_account("carol@x.org")
    with pytest.raises(NoSuchFolder):
        store.copy(BOB, [1], box("Missing"))
    with pytest.raises(FolderError):  # accounts never share messages through copy
        store.copy(BOB, [1], MailboxId("carol@x.org", INBOX))


def test_a_message_in_three_folders_is_stored_once_and_leaves_with_its_last_link(store):
    for name in ("A", "B"):
        store.create_folder(box(name))
    message = store.deliver("a@x.org", [BOB], RAW)
    store.copy(BOB, [1], box("A"))
    store.copy(BOB, [1], box("B"))
    assert store.count() == 1 and len(store.links(message.id)) == 3
    store.expunge(BOB, [1])
    store.delete_folder(box("A"))
    assert store.get(message.id) == message
    store.expunge(box("B"), [1])
    assert store.get(message.id) is None and store.raw(message.id) is None


def test_flags_are_per_mailbox(store):
    store.deliver("a@x.org", [BOB, "c@x.org"], RAW)
    store.store_flags(BOB, [1], [SEEN, "\\Flagged"], "add")
    assert store.snapshot(BOB).entries[0].flags == {SEEN, "\\Flagged"}
    assert store.snapshot("c@x.org").entries[0].flags == frozenset()
    store.store_flags(BOB, [1], ["\\Flagged"], "remove")
    assert store.snapshot(BOB).entries[0].flags == {SEEN}
    store.store_flags(BOB, [1], ["$Label"], "replace")
    assert store.snapshot(BOB).entries[0].flags == {"$Label"}


def test_set_seen_everywhere_or_in_one_mailbox(store):
    message = store.deliver("a@x.org", [BOB, "c@x.org"], RAW)
    assert store.set_seen([message.id], True, mailbox="c@x.org") == 1
    assert {m.owner: e.seen for m, e in store.links(message.id).items()} == {
        BOB: False,
        "c@x.org": True,
    }
    assert not store.is_read(message.id) and store.is_read(message.id, "c@x.org")
    assert store.set_seen([message.id], True) == 1  # only bob's changed
    assert all(e.seen for e in store.links(message.id).values()) and store.is_read(message.id)
    assert store.set_seen([message.id, "no-such-id"], False) == 2


def test_expunge_removes_message_only_when_last_link_goes(store):
    message = store.deliver("a@x.org", [BOB, "c@x.org"], RAW)
    store.expunge(BOB, [1])
    assert store.get(message.id) == message
    assert store.snapshot(BOB).entries == ()
    assert len(store.snapshot("c@x.org").entries) == 1
    store.expunge("c@x.org", [1])
    assert store.get(message.id) is None
    assert store.count() == 0


def test_delete_everywhere_or_from_one_mailbox(store):
    first = store.deliver("a@x.org", [BOB, "c@x.org"], RAW)
    second = store.deliver("a@x.org", [BOB, "c@x.org"], RAW)
    assert store.delete([first.id], mailbox="BOB@x.org") == 1
    assert store.get(first.id) == first
    assert store.delete([first.id, second.id]) == 3
    assert store.count() == 0


def test_clear_keeps_folders(store):
    store.create_folder(box("Sent"))
    store.append(box("Sent"), RAW)
    store.clear()
    assert names(store) == [INBOX, "Sent"]
    assert store.folder(box("Sent")).uidnext == 2 and store.count() == 0


def test_subscriptions(store):
    store.open_account(BOB)
    assert store.subscriptions(BOB) == [INBOX]
    store.set_subscribed(box("Lists/python"), True)  # a name need not exist (RFC 3501 6.3.6)
    store.create_folder(box("Sent"))
    store.set_subscribed(box("Sent"), True)
    assert store.subscriptions(BOB) == [INBOX, "Lists/python", "Sent"]
    assert store.folder(box("Sent")).subscribed
    store.set_subscribed(box("Sent"), False)
    assert store.subscriptions(BOB) == [INBOX, "Lists/python"]
    assert store.subscriptions("unknown@x.org") == []


def test_mailboxes_lists_accounts_with_their_folders(store):
    store.deliver("a@x.org", [BOB], RAW)
    store.create_folder(box("Sent"))
    store.append(box("Sent"), RAW, flags=[SEEN])
    [account] = store.mailboxes()
    assert (account.address, account.total, account.unseen) == (BOB, 1, 1)
    assert [(f.name, f.total, f.unseen) for f in account.folders] == [
        (INBOX, 1, 1),
        ("Sent", 1, 0),
    ]
