"""FETCH: one untagged FETCH response per message, data items rendered in the order asked
(RFC 3501 6.4.5, 7.4.2). Structure, ENVELOPE and section octets come from :mod:`.structure`;
every value goes out through :mod:`.format`. A message whose bytes another session expunged
meanwhile gets no response, and the command ends ``NO [EXPUNGEISSUED]`` (RFC 5530 3).
A FETCH of only UID and FLAGS (what clients poll with) reads the flags alone, no records.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from datetime import UTC, datetime

from ...store import SEEN, Entry
from . import format as fmt
from .commands import BodySection, FetchAttr, FetchItem
from .outcomes import PAUSE, Slices, batches
from .selected import MessageGone, SelectedMailbox
from .structure import body_structure, envelope, section, wire_bytes

Render = Callable[[SelectedMailbox, int, Entry], bytes]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Items that set \Seen when fetched (RFC 3501 6.4.5), unless the mailbox is read-only.
_SETS_SEEN = frozenset({"RFC822", "RFC822.TEXT"})


def internal_date(when: float) -> bytes:
    """RFC 3501 9 ``date-time``: ``"dd-Mon-yyyy hh:mm:ss +0000"`` with a space-padded day."""
    moment = datetime.fromtimestamp(when, UTC)
    month = _MONTHS[moment.month - 1]
    return b'"%2d-%s-%04d %02d:%02d:%02d +0000"' % (
        moment.day,
        month.encode(),
        moment.year,
        moment.hour,
        moment.minute,
        moment.second,
    )


def rfc822_size(raw: bytes) -> int:
    """The size of the message as sent (RFC 3501 2.3.4), counted on the wire bytes."""
    return len(wire_bytes(raw))


def _flags(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"FLAGS " + view.flags_of(entry.uid, entry.flags)


def _uid(_view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"UID %d" % entry.uid


_UID, _FLAGS = FetchAttr("UID"), FetchAttr("FLAGS")
#: Items a message's UID and flags answer: a FETCH of only these reads no message records.
_LIGHT = frozenset({_UID, _FLAGS})
#: Messages between two looks at the clock in a FETCH of UID and FLAGS only.
_LIGHT_CLOCK = 64


def _light_responses(
    view: SelectedMailbox, found: Sequence[int], items: Sequence[FetchItem]
) -> Generator[bytes, None, bool]:
    """The responses of a FETCH of UID and FLAGS only (what clients poll a whole mailbox
    with): every line from one format."""
    line = b"* %d FETCH (" + b" ".join(b"UID %d" if i == _UID else b"FLAGS %s" for i in items)
    line += b")\r\n"
    order = tuple(item == _UID for item in items)  # each value: the UID, or the flag list
    flags_only = order == (False,)
    uids = view.uids
    complete = True
    slices = Slices(view.store.writes_first)
    for count, (index, flags) in enumerate(view.flags_at(found)):
        if not count % _LIGHT_CLOCK and slices.due():
            yield PAUSE
        if flags is None:
            complete = False
            continue
        uid = uids[index]
        listed = view.flags_of(uid, flags)  # made once per distinct set (flag_list's cache)
        if flags_only:
            yield line % (index + 1, listed)
        else:
            yield line % (index + 1, *[uid if is_uid else listed for is_uid in order])
    return complete


def _internaldate(_view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"INTERNALDATE " + internal_date(entry.message.internal_date)


def _size(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"RFC822.SIZE %d" % rfc822_size(view.raw(entry))


def _envelope(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"ENVELOPE " + fmt.value(envelope(view.structure(entry)))


def _body(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"BODY " + fmt.value(body_structure(view.structure(entry), False))


def _bodystructure(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
    return b"BODYSTRUCTURE " + fmt.value(body_structure(view.structure(entry), True))


def _whole(name: bytes, kind: str) -> Render:
    def render(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
        structure = view.structure(entry)
        return name + b" " + fmt.literal(section(structure, (), kind))

    return render


_ATTRIBUTES: dict[str, Render] = {
    "FLAGS": _flags,
    "UID": _uid,
    "INTERNALDATE": _internaldate,
    "RFC822.SIZE": _size,
    "ENVELOPE": _envelope,
    "BODY": _body,
    "BODYSTRUCTURE": _bodystructure,
    "RFC822": _whole(b"RFC822", ""),
    "RFC822.HEADER": _whole(b"RFC822.HEADER", "HEADER"),
    "RFC822.TEXT": _whole(b"RFC822.TEXT", "TEXT"),
}


def section_name(item: BodySection) -> bytes:
    """The item name a response carries: ``BODY[1.HEADER.FIELDS (A B)]<0>`` (RFC 3501 7.4.2)."""
    spec = b".".join(b"%d" % n for n in item.part)
    if item.kind:
        spec += (b"." if spec else b"") + item.kind.encode("ascii")
    if item.fields:
        spec += b" (" + b" ".join(fmt.astring(name) for name in item.fields) + b")"
    name = b"BODY[" + spec + b"]"
    if item.partial is not None:
        name += b"<%d>" % item.partial[0]
    return name


def _section(item: BodySection) -> Render:
    name = section_name(item)
    fields = tuple(f.decode("ascii", "replace") for f in item.fields)

    def render(view: SelectedMailbox, _index: int, entry: Entry) -> bytes:
        data = section(view.structure(entry), item.part, item.kind, fields)
        if item.partial is not None:  # RFC 3501 6.4.5: <origin.length>, empty past the end
            origin, length = item.partial
            data = data[origin : origin + length]
        return name + b" " + fmt.literal(data)

    return render


def _renderer(item: FetchItem) -> Render:
    if isinstance(item, FetchAttr):
        return _ATTRIBUTES[item.name]
    return _section(item)


def _sets_seen(item: FetchItem) -> bool:
    if isinstance(item, BodySection):
        return not item.peek
    return item.name in _SETS_SEEN


def fetch_responses(
    view: SelectedMailbox,
    found: Sequence[int],
    items: Sequence[FetchItem],
    *,
    uid: bool,
) -> Generator[bytes, None, bool]:
    """The untagged FETCH responses for the messages at ``found`` (0-based view positions),
    a batch of messages read (and marked \\Seen, when an item asks) at a time.

    Returns False when some message's bytes were gone (expunged by another session).
    """
    items = list(dict.fromkeys(items))
    if uid and _UID not in items:  # RFC 3501 6.4.8: UID FETCH always reports UID
        items.insert(0, FetchAttr("UID"))
    if _LIGHT.issuperset(items):  # nothing sets \Seen: the flags alone, a batch at a time
        return (yield from _light_responses(view, found, items))
    complete = True
    slices = Slices(view.store.writes_first)
    renderers = [_renderer(item) for item in items]
    sets_seen = not view.readonly and any(_sets_seen(item) for item in items)
    report_flags = sets_seen and _FLAGS not in items
    for batch in batches(found, view.batch):
        marked: set[int] = set()
        if sets_seen:  # those not seen yet, of those still stored: no write when there are none
            uids = view.present(batch)
            flags = view.store.flags_by_uid(view.mailbox, uids, uidvalidity=view.uidvalidity)
            unseen = [uid for uid, now in flags.items() if SEEN not in now]
            if unseen:
                changed = view.store.store_flags(view.mailbox, unseen, (SEEN,), "add")
                yield from view.apply(changed)
                marked = {e.uid for e in changed}
        for index, entry in view.entries_at(batch):
            if slices.due():
                yield PAUSE
            if entry is None:
                complete = False
                continue
            try:
                parts = [render(view, index, entry) for render in renderers]
            except MessageGone:
                complete = False
                continue
            if report_flags and entry.uid in marked:
                parts.append(_flags(view, index, entry))  # RFC 3501 6.4.5: the implied \Seen
            yield b"* %d FETCH (" % (index + 1) + b" ".join(parts) + b")\r\n"
    return complete
