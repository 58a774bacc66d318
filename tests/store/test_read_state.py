"""Read state and counts are the store's: per message, per folder and overall, kept through
every change."""

from __future__ import annotations

from storecases import RAW

from mailtrap.store import SEEN, MailboxId


def test_read_means_seen_in_every_mailbox(store):
    read = store.deliver("a@example.com", ["x@example.com", "y@example.com"], RAW)
    half = store.deliver("a@example.com", ["x@example.com", "y@example.com"], RAW)
    store.set_seen([read.id], True)
    store.set_seen([half.id], True, mailbox="x@example.com")
    assert store.is_read(read.id) and not store.is_read(half.id)
    assert store.is_read(half.id, "x@example.com")
    assert not store.is_read(half.id, "y@example.com")
    assert store.unread_count() == 1
    store.store_flags("y@example.com", [2], [SEEN], "add")
    assert store.is_read(half.id) and store.unread_count() == 0
    store.clear()
    assert store.unread_count() == 0 and not store.is_read(read.id)


def test_counts_follow_copy_move_append_delete_and_rename(store):
    bob, archive = MailboxId("bob@x.org"), MailboxId("bob@x.org", "Archive")
    store.create_folder(archive)
    for _ in range(3):
        store.deliver("a@x.org", ["bob@x.org"], RAW)
    store.store_flags(bob, [1], [SEEN], "add")

    def counts():
        return {f.name: (f.total, f.unseen) for f in store.folders("bob@x.org")}, (
            store.count(),
            store.unread_count(),
        )

    assert counts() == ({"INBOX": (3, 2), "Archive": (0, 0)}, (3, 2))
    store.copy(bob, [1, 2], archive)
    assert counts() == ({"INBOX": (3, 2), "Archive": (2, 1)}, (3, 2))
    store.store_flags(bob, [2], [SEEN], "add")  # still unseen in Archive
    assert counts() == ({"INBOX": (3, 1), "Archive": (2, 1)}, (3, 2))
    store.move(bob, [3], archive)
    assert counts() == ({"INBOX": (2, 0), "Archive": (3, 2)}, (3, 2))
    store.append(archive, RAW, flags=[SEEN])
    store.append(archive, RAW)
    assert counts() == ({"INBOX": (2, 0), "Archive": (5, 3)}, (5, 3))
    store.store_flags(archive, [1, 2, 3, 4, 5], [SEEN], "replace")
    assert counts() == ({"INBOX": (2, 0), "Archive": (5, 0)}, (5, 0))
    store.store_flags(archive, [1], [SEEN], "remove")
    store.rename_folder(archive, "Old")
    assert counts() == ({"INBOX": (2, 0), "Old": (5, 1)}, (5, 1))
    store.rename_folder(bob, "Inbox copy")
    assert counts() == ({"INBOX": (0, 0), "Inbox copy": (2, 0), "Old": (5, 1)}, (5, 1))
    store.delete_folder(MailboxId("bob@x.org", "Old"))
    assert counts() == ({"INBOX": (0, 0), "Inbox copy": (2, 0)}, (2, 0))
    [account] = store.mailboxes()
    assert (account.total, account.unseen) == (0, 0)
