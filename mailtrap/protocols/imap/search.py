"""SEARCH: a search key compiled into a predicate over the selected mailbox (RFC 3501 6.4.4).

SUBJECT, FROM, TO, CC, BCC and BODY are the store's query engine's terms (one query over the
selected mailbox per key, whatever the mailbox's size); what only IMAP has (flags, sequence
sets, sizes, dates, HEADER and the header half of TEXT) is decided here, per message. Text keys
match case-insensitively as substrings of decoded text. A message another session expunged
meanwhile (its bytes gone) matches no text key, nor any flag when the view never read it.
Dates compare on the day alone (the internal date in UTC; the Date: field in its own zone).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime

from ...message import header_block, header_text, parse_head
from ...store import Entry, MessageRecord
from ...store.query import Contains, Field, Filter
from . import commands as c
from .outcomes import PAUSE, Slices
from .selected import MessageGone, SelectedMailbox
from .structure import wire_bytes

Predicate = Callable[[int, Entry], bool]
_NO_FLAGS: frozenset[str] = frozenset()
#: HEADER keys the query engine answers (RFC 3501 6.4.4: BCC, CC, FROM, SUBJECT, TO).
_ENGINE_FIELDS = {
    "subject": Field.SUBJECT,
    "from": Field.FROM,
    "to": Field.TO,
    "cc": Field.CC,
    "bcc": Field.BCC,
}


#: The record of a message whose record was not read (or is gone with the message).
_GONE = MessageRecord("", 0, "", (), 0, 0.0, 0.0)


def matching(view: SelectedMailbox, key: c.SearchKey, found: list[int]) -> Iterator[bytes]:
    """Append to ``found`` the 0-based positions of the messages in ``view`` that satisfy
    ``key``, yielding :data:`~.outcomes.PAUSE` between slices of the work. The store is read a
    batch at a time, for no more than the key needs: entries, flags alone, or nothing."""
    predicate = compile_key(view, key)
    slices = Slices()
    for i, entry in _messages(view, _needs(key)):
        if predicate(i, entry):
            found.append(i)
        if slices.due():
            yield PAUSE


_POSITION, _FLAGS, _ENTRY = range(3)


def _needs(key: c.SearchKey) -> int:
    """What a key reads of a message: its position and UID only, its flags, or its entry."""
    if isinstance(key, c.AllKey | c.RecentKey | c.SetKey) or _engine_only(key):
        return _POSITION
    if isinstance(key, c.FlagKey):
        return _FLAGS
    if isinstance(key, c.NotKey):
        return _needs(key.key)
    if isinstance(key, c.OrKey):
        return max(_needs(key.left), _needs(key.right))
    if isinstance(key, c.AndKey):
        return max((_needs(k) for k in key.keys), default=_POSITION)
    return _ENTRY


def _engine_only(key: c.SearchKey) -> bool:
    """True for a key the query engine decides alone (it answers with UIDs)."""
    if isinstance(key, c.HeaderKey):
        return bool(key.text) and key.field in _ENGINE_FIELDS
    return isinstance(key, c.TextKey) and not key.headers


def _messages(view: SelectedMailbox, need: int) -> Iterator[tuple[int, Entry]]:
    """Every message of the view with what ``need`` asks read; a message gone from the store
    that the view kept nothing of (or what was not read) has an empty record and no flags."""
    uids, positions = view.uids, range(len(view))
    if need == _ENTRY:
        for i, entry in view.entries_at(positions):
            yield i, entry or Entry(uids[i], _GONE, _NO_FLAGS)
    elif need == _FLAGS:
        for i, flags in view.flags_at(positions):
            yield i, Entry(uids[i], _GONE, flags or _NO_FLAGS)
    else:
        for i in positions:
            yield i, Entry(uids[i], _GONE, _NO_FLAGS)


def compile_key(view: SelectedMailbox, key: c.SearchKey) -> Predicate:
    """Turn a search key into a predicate ``(position, entry) -> bool``."""
    if isinstance(key, c.AllKey):
        return lambda i, e: True
    if isinstance(key, c.FlagKey):
        return _flag(key)
    if isinstance(key, c.RecentKey):
        recent, present = view.recent, key.present
        return lambda i, e: (e.uid in recent) == present
    if isinstance(key, c.DateKey):
        return _date(view, key)
    if isinstance(key, c.HeaderKey):
        return _header(view, key)
    if isinstance(key, c.TextKey):
        return _text(view, key)
    if isinstance(key, c.SizeKey):
        size, larger = key.size, key.larger
        if larger:
            return lambda i, e: _wire_size(view, e) > size
        return lambda i, e: -1 < _wire_size(view, e) < size
    if isinstance(key, c.SetKey):
        return _set(view, key)
    if isinstance(key, c.NotKey):
        inner = compile_key(view, key.key)
        return lambda i, e: not inner(i, e)
    if isinstance(key, c.OrKey):
        left, right = compile_key(view, key.left), compile_key(view, key.right)
        return lambda i, e: left(i, e) or right(i, e)
    predicates = [compile_key(view, k) for k in key.keys]
    return lambda i, e: all(p(i, e) for p in predicates)


def _flag(key: c.FlagKey) -> Predicate:
    flag, present = key.flag, key.present
    if flag.startswith("\\"):
        return lambda i, e: (flag in e.flags) == present
    wanted = flag.casefold()  # keywords compare case-insensitively
    return lambda i, e: any(f.casefold() == wanted for f in e.flags) == present


def _set(view: SelectedMailbox, key: c.SetKey) -> Predicate:
    # Merged once per SEARCH: each test is then a binary search (not ranges x messages).
    if key.uid:
        uids = key.sequence.merged(view.uids[-1] if view.uids else 0)
        return lambda i, e: e.uid in uids
    msns = key.sequence.merged(len(view))
    return lambda i, e: i + 1 in msns


def _wire_size(view: SelectedMailbox, entry: Entry) -> int:
    """The size IMAP reports (RFC 3501 2.3.4); -1 when the message is gone."""
    try:
        return len(wire_bytes(view.raw(entry)))
    except MessageGone:
        return -1


def _internal_day(_view: SelectedMailbox, entry: Entry) -> date:
    return datetime.fromtimestamp(entry.message.internal_date, UTC).date()


def _sent_day(view: SelectedMailbox, entry: Entry) -> date:
    sent = view.summary(entry).date
    return sent.date() if sent is not None else _internal_day(view, entry)


def _date(view: SelectedMailbox, key: c.DateKey) -> Predicate:
    day_of = _sent_day if key.sent else _internal_day
    day = key.day
    if key.relation == "before":
        return lambda i, e: day_of(view, e) < day
    if key.relation == "on":
        return lambda i, e: day_of(view, e) == day
    return lambda i, e: day_of(view, e) >= day


def _header_block(view: SelectedMailbox, entry: Entry) -> bytes:
    try:
        return header_block(view.raw(entry))
    except MessageGone:
        return b""


def header_values(view: SelectedMailbox, entry: Entry, field: str) -> list[str]:
    """Every value of one header field, RFC 2047 words decoded."""
    headers = parse_head(_header_block(view, entry))
    values = headers.get_all(field) or []
    return [header_text(str(v)) for v in values]


def _engine(view: SelectedMailbox, field: Field, needle: str) -> Predicate:
    """The messages of the view the query engine finds, asked once, on first use."""
    found: set[int] | None = None

    def check(i: int, entry: Entry) -> bool:
        nonlocal found
        if found is None:
            page = view.store.query(Filter((Contains(field, needle),), view.mailbox))
            found = set(page.uids)
        return entry.uid in found and not view.is_gone(entry.uid)  # gone: matches no text key

    return check


def _header(view: SelectedMailbox, key: c.HeaderKey) -> Predicate:
    field, needle = key.field, key.text.casefold()
    if not needle:  # RFC 3501 6.4.4: HEADER field "" matches any message with that field
        return lambda i, e: bool(header_values(view, e, field))
    if field in _ENGINE_FIELDS:
        return _engine(view, _ENGINE_FIELDS[field], needle)
    return lambda i, e: any(needle in v.casefold() for v in header_values(view, e, field))


def _all_headers(view: SelectedMailbox, entry: Entry) -> str:
    headers = parse_head(_header_block(view, entry))
    return "\n".join(f"{k}: {header_text(str(v))}" for k, v in headers.raw_items())


def _text(view: SelectedMailbox, key: c.TextKey) -> Predicate:
    needle, with_headers = key.text.casefold(), key.headers
    body = _engine(view, Field.BODY, needle)
    if not with_headers:
        return body
    return lambda i, e: body(i, e) or needle in _all_headers(view, e).casefold()
