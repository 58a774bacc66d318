"""Tags: per stored message, read from X-Tags at delivery, cleaned, counted, renamed, deleted,
queried with the Tagged term, announced as events, and the same in every folder holding the
message (copies and moves are the same message)."""

from __future__ import annotations

import pytest

from mailtrap.store import INBOX, MailboxId, TagsChanged
from mailtrap.store.query import Filter, Not, Tagged
from mailtrap.tags import MAX_TAG_LENGTH, MAX_TAGS, clean_tag, header_tags


def mail(tags: str | None = None, subject: str = "hello", crlf: bool = True) -> bytes:
    lines = [f"Subject: {subject}", "From: a@example.com"]
    if tags is not None:
        lines.append(f"X-Tags: {tags}")
    eol = "\r\n" if crlf else "\n"
    return (eol.join(lines) + eol + eol + "body" + eol).encode()


def ids(store, *terms):
    return [m.id for m in store.query(Filter(tuple(terms))).messages]


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("urgent", "urgent"),
        ("  two   words ", "two words"),
        ("a/b!c", "a b c"),  # invalid characters become spaces
        ("v1.2_rc-3", "v1.2_rc-3"),
        ("émoji 🎉", "moji"),
        ("!!!", ""),
        ("x" * 500, "x" * MAX_TAG_LENGTH),
    ],
)
def test_names_are_cleaned(name, cleaned):
    assert clean_tag(name) == cleaned


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (mail("Urgent, billing,, urgent, !!"), ("Urgent", "billing")),
        (mail("one", crlf=False), ("one",)),  # bare LF line ends
        (b"x-tags: lower\r\nSubject: s\r\n\r\nb\r\n", ("lower",)),  # first header, any case
        (b"Subject: s\r\nX-TAGS: a,\r\n b\r\n\r\nb\r\n", ("a", "b")),  # folded
        (b"Subject: s\r\nX-Tags: =?utf-8?q?caf=C3=A9?=\r\n\r\nb\r\n", ("caf",)),  # decoded, cleaned
        (b"Subject: s\r\nX-Tags: a\r\nX-Tags: b\r\n\r\nb\r\n", ("a", "b")),  # every field
        (b"Subject: s\r\n\r\nX-Tags: body\r\n", ()),  # the body is not the header
        (b"Subject: s\n\nX-Tags: body\r\n\r\n", ()),
        (b"Subject: s\r\nX-Tagsy: no\r\n\r\nb\r\n", ()),
        (b"", ()),
        (mail(), ()),
    ],
)
def test_x_tags_header(raw, expected):
    assert header_tags(raw) == expected


def test_header_tags_are_bounded():
    many = ",".join(f"t{i}" for i in range(MAX_TAGS * 3))
    assert len(header_tags(mail(many))) == MAX_TAGS


def test_delivery_reads_x_tags(store):
    tagged = store.deliver("a@x.org", ["b@x.org"], mail("Urgent, billing"))
    plain = store.deliver("a@x.org", ["b@x.org"], mail())
    assert store.tags_of(tagged.id) == ("billing", "Urgent")  # sorted case-insensitively
    assert store.tags_of(plain.id) == ()
    assert store.tags_of("unknown") == ()
    assert store.tags() == {"billing": 1, "Urgent": 1}
    assert store.raw(tagged.id) == mail("Urgent, billing")  # the bytes are untouched


def test_append_reads_x_tags(store):
    store.open_account("b@x.org")
    entry = store.append("b@x.org", mail("imap"))
    assert store.tags_of(entry.message.id) == ("imap",)


def test_one_spelling_per_tag(store):
    first = store.deliver("a@x.org", ["b@x.org"], mail("Urgent"))
    second = store.deliver("a@x.org", ["b@x.org"], mail("URGENT, urgent"))
    assert store.tags_of(second.id) == ("Urgent",)
    assert store.tags() == {"Urgent": 2}
    store.delete([first.id, second.id])
    assert store.tags() == {}  # a tag nothing carries is forgotten
    third = store.deliver("a@x.org", ["b@x.org"], mail("urgent"))
    assert store.tags_of(third.id) == ("urgent",)


def test_set_tags(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail("old"))
    two = store.deliver("a@x.org", ["b@x.org"], mail())
    assert store.set_tags([one.id, two.id, "unknown", one.id], ["New", "x!", "new", ""]) == 2
    assert store.tags_of(one.id) == store.tags_of(two.id) == ("New", "x")
    assert store.tags() == {"New": 2, "x": 2}
    assert store.set_tags([one.id], ["x", "New"]) == 0  # the same tags: no change
    assert store.set_tags([one.id], []) == 1
    assert store.tags_of(one.id) == ()
    assert store.tags() == {"New": 1, "x": 1}


def test_set_tags_keeps_at_most_the_limit(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail())
    store.set_tags([one.id], [f"t{i}" for i in range(MAX_TAGS + 10)])
    assert len(store.tags_of(one.id)) == MAX_TAGS


def test_rename_tag(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail("old, keep"))
    two = store.deliver("a@x.org", ["b@x.org"], mail("OLD, new"))
    three = store.deliver("a@x.org", ["b@x.org"], mail("keep"))
    assert store.rename_tag("old", "new") == 2  # merges into the existing tag
    assert store.tags_of(one.id) == ("keep", "new")
    assert store.tags_of(two.id) == ("new",)
    assert store.tags_of(three.id) == ("keep",)
    assert store.tags() == {"keep": 2, "new": 2}
    assert store.rename_tag("KEEP", "Keep") == 2  # a new spelling
    assert store.tags() == {"Keep": 2, "new": 2}
    assert store.tags_of(three.id) == ("Keep",)
    assert store.rename_tag("missing", "other") == 0
    with pytest.raises(ValueError):
        store.rename_tag("new", " !! ")
    assert store.tags() == {"Keep": 2, "new": 2}


def test_delete_tag(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail("a, b"))
    two = store.deliver("a@x.org", ["b@x.org"], mail("A"))
    assert store.delete_tag("a") == 2
    assert store.tags_of(one.id) == ("b",)
    assert store.tags_of(two.id) == ()
    assert store.count() == 2  # messages stay
    assert store.delete_tag("a") == 0
    assert store.tags() == {"b": 1}


def test_tagged_term(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail("Urgent, two words"))
    two = store.deliver("a@x.org", ["b@x.org"], mail("billing"))
    three = store.deliver("a@x.org", ["b@x.org"], mail())
    assert ids(store, Tagged("urgent")) == [one.id]
    assert ids(store, Tagged("TWO WORDS")) == [one.id]
    assert ids(store, Tagged("two")) == []  # a whole tag, not a substring
    assert ids(store, Tagged()) == [one.id, two.id]
    assert ids(store, Not(Tagged())) == [three.id]
    assert store.matches(Filter((Tagged("billing"),)), two.id)
    store.set_tags([three.id], ["billing"])
    assert ids(store, Tagged("billing")) == [two.id, three.id]


def test_tags_survive_what_a_message_goes_through(store):
    """Copies, moves, flags, renamed folders and the loss of one link keep the message's tags."""
    message = store.deliver("a@x.org", ["b@x.org", "c@x.org"], mail("keep"))
    store.create_folder(MailboxId("b@x.org", "Archive"))
    store.copy("b@x.org", [1], MailboxId("b@x.org", "Archive"))
    store.set_seen([message.id], True)
    store.store_flags(MailboxId("b@x.org", "Archive"), [1], ["\\Flagged"], "add")
    store.move(MailboxId("b@x.org", "Archive"), [1], MailboxId("b@x.org", INBOX))
    store.rename_folder(MailboxId("b@x.org", INBOX), "Old")
    store.expunge("c@x.org", [1])
    assert store.get(message.id) is not None
    assert store.tags_of(message.id) == ("keep",)
    assert store.tags() == {"keep": 1}  # one message, however many links
    folder = store.snapshot(MailboxId("b@x.org", "Old"))
    assert {e.message.id for e in folder.entries} == {message.id}


def test_tags_leave_with_the_message(store):
    store.deliver("a@x.org", ["b@x.org"], mail("x"))
    store.deliver("a@x.org", ["c@x.org"], mail("x, y"))
    store.expunge("b@x.org", [1])
    assert store.tags() == {"x": 1, "y": 1}
    store.clear()
    assert store.tags() == {}
    after = store.deliver("a@x.org", ["b@x.org"], mail("X"))
    assert store.tags() == {"X": 1}
    assert store.tags_of(after.id) == ("X",)


def test_pruned_messages_release_their_tags(make_store):
    store = make_store(max_messages=1)
    store.deliver("a@x.org", ["b@x.org"], mail("first"))
    store.deliver("a@x.org", ["b@x.org"], mail("second"))
    assert store.tags() == {"second": 1}


def test_tag_changes_are_announced(store):
    one = store.deliver("a@x.org", ["b@x.org"], mail("a"))
    two = store.deliver("a@x.org", ["b@x.org"], mail())
    seen = []
    store.subscribe(seen.append)
    store.set_tags([one.id, two.id], ["a"])  # only two changes
    store.set_tags([one.id], ["a"])  # nothing changes: no event
    store.rename_tag("a", "b")
    store.delete_tag("b")
    store.delete_tag("b")
    assert [type(e) for e in seen] == [TagsChanged] * 3
    assert [e.message_ids for e in seen] == [(two.id,), (one.id, two.id), (one.id, two.id)]
    assert seen[0].seq < seen[1].seq < seen[2].seq
