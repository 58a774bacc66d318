"""Values derived from messages (parsed MIME, structures, facts): kept by message ID, bounded
in bytes, forgotten when the message goes."""

from __future__ import annotations

from storecases import RAW

from mailtrap.store import DerivedCache, MailboxId


def test_parsed_view_is_built_once_per_message_id(store):
    message = store.deliver("a@x.org", ["b@x.org"], RAW)
    first = store.parsed(message.id)
    assert first.text.strip() == "body"
    assert store.parsed(message.id) is first
    assert store.cache.message_ids() == {message.id}


def test_the_cache_keys_by_message_id_not_by_object(store):
    one = store.deliver("a@x.org", ["b@x.org"], RAW)
    two = store.deliver("a@x.org", ["b@x.org"], RAW)
    assert store.parsed(one.id) is not store.parsed(two.id)
    builds = []
    for _ in range(3):
        store.derived("kind", one.id, lambda raw: builds.append(raw) or len(raw), lambda v: 8)
    assert builds == [RAW]


def test_deleted_mail_is_forgotten(store):
    archive = MailboxId("b@x.org", "Archive")
    store.create_folder(archive)
    kept = store.deliver("a@x.org", ["b@x.org"], RAW)
    gone = store.deliver("a@x.org", ["b@x.org"], RAW)
    moved = store.deliver("a@x.org", ["b@x.org"], RAW)
    for message in (kept, gone, moved):
        store.parsed(message.id)
    store.delete([gone.id])
    store.move("b@x.org", [3], archive)  # still stored: still cached
    assert store.cache.message_ids() == {kept.id, moved.id}
    assert store.parsed(gone.id) is None
    store.delete_folder(archive)
    assert store.cache.message_ids() == {kept.id}
    store.clear()
    assert store.cache.message_ids() == set() and store.cache.size == 0


def test_a_value_is_not_kept_for_a_message_deleted_while_it_was_built(store):
    message = store.deliver("a@x.org", ["b@x.org"], RAW)

    def build(raw):
        store.delete([message.id])
        return raw

    assert store.derived("kind", message.id, build, len) == RAW
    assert store.cache.message_ids() == set()


def test_the_budget_is_in_bytes_and_entries():
    cache = DerivedCache(max_bytes=100, max_entries=3)
    for n in range(4):
        cache.get("k", f"id{n}", lambda n=n: n, lambda _v: 30)
    assert cache.message_ids() == {"id1", "id2", "id3"} and cache.size == 90
    cache.get("k", "big", lambda: "x", lambda _v: 80)  # evicts the oldest until it fits
    assert cache.message_ids() == {"big"} and cache.size == 80
    cache.get("k", "huge", lambda: "y", lambda _v: 101)  # larger than the budget: not kept
    assert "huge" not in cache.message_ids()
