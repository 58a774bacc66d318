"""Random and mutated messages through the summary and the MIME view, and random text through
the API's search syntax: nothing raises, stored bytes never change, the work stays bounded."""

from __future__ import annotations

import time

from fuzzing import MESSAGE, messages
from hypothesis import given
from hypothesis import strategies as st

from mailtrap.api import search
from mailtrap.message import summarize
from mailtrap.mime import parse
from mailtrap.store import MemoryStore
from mailtrap.store.query import Filter


@given(messages)
def test_summary_and_view_never_raise_and_keep_the_bytes(raw):
    store = MemoryStore()
    stored = store.deliver("a@example.com", ["b@example.com"], raw)
    started = time.monotonic()
    summary = summarize(store.raw(stored.id))
    view = parse(store.raw(stored.id))
    assert time.monotonic() - started < 2
    assert isinstance(summary.subject, str) and isinstance(view.text, str)
    assert all(isinstance(a.data, bytes) for a in view.attachments)
    assert store.raw(stored.id) == raw
    assert store.parsed(stored.id) is not None and store.summary(stored.id) is not None


QUERY_WORDS = st.sampled_from(
    ["from:", "to:", "subject:", "is:read", "is:unread", "has:attachment", "after:", "before:",
     "larger:", "smaller:", "10kb", "2024-01-01", '"', "-", "!", "tag:", "message-id:", "café"]
)  # fmt: skip
queries = st.one_of(st.text(max_size=60), st.lists(QUERY_WORDS, max_size=6).map(" ".join))


@given(queries, st.sampled_from([None, "UTC", "Europe/Paris", "Nowhere/City"]))
def test_search_syntax_parses_or_says_why(text, tz):
    try:
        query = search.parse(text, tz)
    except search.QueryError as problem:
        assert str(problem)
        return
    store = MemoryStore()
    try:
        store.deliver("a@example.com", ["b@example.com"], MESSAGE)
        question = Filter(query.terms)
        [message] = store.messages()
        assert store.matches(question, message.id) in (True, False)
        assert store.query(question).total == int(store.matches(question, message.id))
    finally:
        store.close()
