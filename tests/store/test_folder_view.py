"""Selecting without reading the mail: a folder's view (its UIDs, first unseen message and
keywords) and its entries read by UID, a batch at a time."""

from __future__ import annotations

from array import array

from storecases import RAW

from mailtrap.store import DELETED, SEEN, MailboxId

USER = "b@x.org"


def fill(store, count: int) -> None:
    for _ in range(count):
        store.deliver("a@x.org", [USER], RAW)


def test_a_folder_view_holds_the_uids_and_what_select_reports(store):
    fill(store, 6)
    store.expunge(USER, [2, 5])
    store.store_flags(USER, [1, 3], [SEEN], "add")
    store.store_flags(USER, [4], ["$Work", "\\Flagged"], "add")
    view = store.folder_view(USER)
    snapshot = store.snapshot(USER)
    assert isinstance(view.uids, array)
    assert list(view.uids) == [e.uid for e in snapshot.entries] == [1, 3, 4, 6]
    assert view.first_unseen == 4
    assert view.keywords == {"$Work"}
    assert (view.mailbox, view.uidvalidity, view.uidnext) == (
        snapshot.mailbox,
        snapshot.uidvalidity,
        7,
    )


def test_a_folder_view_of_an_empty_or_all_seen_folder(store):
    store.open_account(USER)
    empty = store.folder_view(USER)
    assert (list(empty.uids), empty.first_unseen, empty.keywords) == ([], 0, frozenset())
    fill(store, 2)
    store.store_flags(USER, [1, 2], [SEEN], "add")
    assert store.folder_view(USER).first_unseen == 0


def test_no_folder_view_of_a_missing_or_unselectable_folder(store):
    store.open_account(USER)
    assert store.folder_view(MailboxId(USER, "Nope")) is None
    assert store.folder_view("nobody@x.org") is None
    store.create_folder(MailboxId(USER, "Parent/Child"))
    store.delete_folder(MailboxId(USER, "Parent"))  # kept as \\Noselect: it has a child
    assert store.folder_view(MailboxId(USER, "Parent")) is None


def test_entries_are_read_by_uid_in_uid_order_leaving_out_what_is_gone(store):
    fill(store, 5)
    store.expunge(USER, [3])
    store.store_flags(USER, [4], [DELETED], "add")
    by_uid = {e.uid: e for e in store.snapshot(USER).entries}
    assert store.entries(USER, [5, 1, 3, 1, 4]) == [by_uid[1], by_uid[4], by_uid[5]]
    assert store.entries(USER, range(1, 6)) == [by_uid[u] for u in (1, 2, 4, 5)]
    assert store.entries(USER, []) == []
    assert store.entries(USER, [9]) == []


def test_entries_carrying_a_flag(store):
    fill(store, 4)
    store.store_flags(USER, [2, 4], [DELETED], "add")
    store.store_flags(USER, [3], [SEEN], "add")
    assert [e.uid for e in store.entries(USER, [1, 2, 3, 4], flag=DELETED)] == [2, 4]
    assert [e.uid for e in store.entries(USER, [1, 3], flag=DELETED)] == []
    assert [e.uid for e in store.entries(USER, [1, 2, 3], flag=SEEN)] == [3]


def test_entries_of_a_folder_made_again_under_the_name_are_not_the_old_ones(store):
    box = MailboxId(USER, "Archive")
    old = store.create_folder(box)
    store.append(box, RAW)
    assert len(store.entries(box, [1], uidvalidity=old.uidvalidity)) == 1
    store.delete_folder(box)
    new = store.create_folder(box)
    store.append(box, RAW)
    assert store.entries(box, [1], uidvalidity=old.uidvalidity) == []
    assert len(store.entries(box, [1], uidvalidity=new.uidvalidity)) == 1
    assert store.entries(MailboxId(USER, "Nope"), [1]) == []


def test_flags_alone_are_read_by_uid(store):
    fill(store, 4)
    store.store_flags(USER, [2], [SEEN, "$Work"], "add")
    store.expunge(USER, [3])
    assert store.flags_by_uid(USER, [4, 1, 2, 3]) == {
        1: frozenset(),
        2: frozenset({SEEN, "$Work"}),
        4: frozenset(),
    }
    assert store.flags_by_uid(USER, [2], uidvalidity=store.folder(USER).uidvalidity + 1) == {}
    assert store.flags_by_uid(MailboxId(USER, "Nope"), [1]) == {}
    assert store.flags_by_uid(USER, []) == {}


def test_every_folder_view_has_its_own_uid_array(store):
    fill(store, 3)
    first = store.folder_view(USER)
    first.uids.append(99)
    assert list(store.folder_view(USER).uids) == [1, 2, 3]
