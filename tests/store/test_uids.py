"""UID and UIDVALIDITY rules: per folder, only growing, never reused (RFC 3501 2.3.1.1)."""

from __future__ import annotations

from storecases import RAW

from mailtrap.store import MailboxId


def test_uids_grow_per_mailbox_and_clear_keeps_uidnext(store):
    for _ in range(3):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    before = store.snapshot("b@x.org")
    assert [e.uid for e in before.entries] == [1, 2, 3]
    store.clear()
    after = store.snapshot("b@x.org")
    assert after.entries == ()
    assert (after.uidvalidity, after.uidnext) == (before.uidvalidity, 4)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert [e.uid for e in store.snapshot("b@x.org").entries] == [4]


def test_expunged_uids_are_never_reused(store):
    for _ in range(3):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    store.expunge("b@x.org", [3])
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert [e.uid for e in store.snapshot("b@x.org").entries] == [1, 2, 4]


def test_uidvalidity_differs_between_mailboxes(store):
    store.deliver("a@x.org", ["b@x.org", "c@x.org"], RAW)
    store.create_folder(MailboxId("b@x.org", "Sent"))
    values = {m.uidvalidity for m in store.mailboxes()}
    values |= {f.uidvalidity for f in store.folders("b@x.org")}
    assert len(values) == 3


def test_a_folder_created_again_gets_a_new_larger_uidvalidity(store):
    box = MailboxId("b@x.org", "Archive")
    first = store.create_folder(box)
    store.append(box, RAW)
    store.append(box, RAW)
    store.delete_folder(box)
    second = store.create_folder(box)
    assert second.uidvalidity > first.uidvalidity
    assert store.append(box, RAW).uid == 1  # a new UIDVALIDITY may start UIDs afresh


def test_every_folder_has_its_own_uidnext(store):
    sent = MailboxId("b@x.org", "Sent")
    store.create_folder(sent)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.append(sent, RAW).uid == 1
    assert store.folder("b@x.org").uidnext == 3
    assert store.folder(sent).uidnext == 2


def test_rename_keeps_uids_and_uidvalidity(store):
    old = MailboxId("b@x.org", "Work")
    info = store.create_folder(old)
    store.append(old, RAW)
    store.rename_folder(old, "Job")
    moved = store.snapshot(MailboxId("b@x.org", "Job"))
    assert (moved.uidvalidity, [e.uid for e in moved.entries]) == (info.uidvalidity, [1])
    assert store.snapshot(old) is None


def test_a_partial_snapshot_holds_what_arrived_and_what_was_named(store):
    """``snapshot(after=N, uids=...)``: the entries above N and those named, in UID order, with
    their current flags; named UIDs that are gone are simply absent."""
    for _ in range(6):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    store.expunge("b@x.org", [2])
    store.store_flags("b@x.org", [3], ["\\Seen"], "add")
    whole = store.snapshot("b@x.org")
    part = store.snapshot("b@x.org", after=4, uids=[3, 2, 1, 5, 99])
    assert [e.uid for e in part.entries] == [1, 3, 5, 6]
    assert part.entries == tuple(e for e in whole.entries if e.uid in (1, 3, 5, 6))
    assert (part.uidvalidity, part.uidnext) == (whole.uidvalidity, whole.uidnext)
    assert [e.uid for e in store.snapshot("b@x.org", after=6).entries] == []
    assert [e.uid for e in store.snapshot("b@x.org", after=0).entries] == [1, 3, 4, 5, 6]
    assert store.snapshot("nobody@x.org", after=0) is None


def test_opening_an_account_without_its_entries(store):
    """``open_account(entries=False)``: the account made or found, no folder read."""
    new = store.open_account("new@x.org", entries=False)
    assert new.entries == () and new.uidnext == 1
    assert store.snapshot("new@x.org").uidvalidity == new.uidvalidity
    for _ in range(3):
        store.deliver("a@x.org", ["b@x.org"], RAW)
    whole, bare = store.open_account("b@x.org"), store.open_account("B@x.org", entries=False)
    assert len(whole.entries) == 3 and bare.entries == ()
    assert (bare.mailbox, bare.uidvalidity, bare.uidnext) == (
        whole.mailbox,
        whole.uidvalidity,
        whole.uidnext,
    )
