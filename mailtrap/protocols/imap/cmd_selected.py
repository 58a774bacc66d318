"""Handlers of the selected-state commands (RFC 3501 6.4) and IDLE (RFC 2177).

FETCH and SEARCH do their work in :mod:`.fetch` and :mod:`.search`.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from ...store import DELETED
from . import commands as c
from . import format as fmt
from .fetch import fetch_responses
from .format import Atom
from .outcomes import PAUSE, Bad, Done, No, Outcome, Slices, Suspend, batches
from .search import matching
from .selected import SelectedMailbox
from .sequence import SequenceError
from .states import AUTHENTICATED, SELECTED, handles

if TYPE_CHECKING:
    from .session import Session

_READ_ONLY = Atom("READ-ONLY")
CHARSETS = ("US-ASCII", "UTF-8")


def positions(view: SelectedMailbox, sequence: object, uid: bool) -> list[int]:
    try:
        return view.resolve(sequence, uid)  # type: ignore[arg-type]
    except SequenceError as error:
        raise Bad(str(error)) from None


@handles(c.Check, SELECTED)
def check(session: Session, command: c.Check) -> Outcome:
    # RFC 3501 6.4.1: every change is already stored.
    return Done("CHECK completed")
    yield


def _expunge_deleted(
    session: Session, view: SelectedMailbox, among: list[int] | None = None
) -> Generator[bytes, None, set[int]]:
    """Expunge the \\Deleted messages of the view (or of those at positions ``among``), a
    batch at a time (the store says which carry \\Deleted), pausing between slices; returns
    the UIDs that went."""
    removed: set[int] = set()
    slices = Slices()
    for batch in batches(range(len(view)) if among is None else among, view.batch):
        found = session.store.entries(
            view.mailbox, view.present(batch), flag=DELETED, uidvalidity=view.uidvalidity
        )
        if found:
            expunged = session.store.expunge(view.mailbox, [e.uid for e in found])
            removed.update(e.uid for e in expunged)
        if slices.due():
            yield PAUSE
    return removed


@handles(c.Close, SELECTED)
def close(session: Session, command: c.Close) -> Outcome:
    # RFC 3501 6.4.2: expunge silently, unless the mailbox is read-only.
    view = session.require_selected()
    if not view.readonly:
        view.updates(allow_expunge=False)  # flags set by others count too
        yield from _expunge_deleted(session, view)
    return Done("CLOSE completed")


@handles(c.Unselect, SELECTED)
def unselect(session: Session, command: c.Unselect) -> Outcome:
    # RFC 3691 2: like CLOSE, without expunging.
    return Done("UNSELECT completed")
    yield


@handles(c.Expunge, SELECTED)
@handles(c.UidExpunge, SELECTED)
def expunge(session: Session, command: c.Expunge | c.UidExpunge) -> Outcome:
    # RFC 3501 6.4.3; RFC 4315 2.1: UID EXPUNGE only among the UIDs named.
    view = session.require_selected()
    if view.readonly:
        raise No("The mailbox is read-only", _READ_ONLY)
    yield from view.updates(allow_expunge=True)  # \Deleted set by others counts too
    among = None
    if isinstance(command, c.UidExpunge):
        among = positions(view, command.sequence, uid=True)
    removed = yield from _expunge_deleted(session, view, among)
    yield from view.remove(removed)
    return Done(f"{'UID ' if among is not None else ''}EXPUNGE completed")


@handles(c.Store, SELECTED)
def store(session: Session, command: c.Store) -> Outcome:
    # RFC 3501 6.4.6
    view = session.require_selected()
    if view.readonly:
        raise No("The mailbox is read-only", _READ_ONLY)
    found = [i for i in positions(view, command.sequence, command.uid) if i < len(view)]
    slices = Slices()
    for batch in batches(found, view.batch):
        changed = session.store.store_flags(
            view.mailbox, view.present(batch), command.flags, command.mode
        )
        yield from view.apply(changed)
        if not command.silent:
            for index, entry in view.entries_at(batch):
                if entry is None or view.is_gone(entry.uid):
                    continue
                uid_item = b"UID %d " % entry.uid if command.uid else b""
                yield b"* %d FETCH (%sFLAGS %s)\r\n" % (index + 1, uid_item, view.flags(entry))
        if slices.due():
            yield PAUSE
    return Done("STORE completed")


@handles(c.Fetch, SELECTED)
def fetch(session: Session, command: c.Fetch) -> Outcome:
    # RFC 3501 6.4.5
    view = session.require_selected()
    found = positions(view, command.sequence, command.uid)
    complete = yield from fetch_responses(view, found, command.items, uid=command.uid)
    if not complete:  # RFC 5530 3: some of the messages named were expunged by another session
        raise No("Some of the requested messages no longer exist", Atom("EXPUNGEISSUED"))
    return Done("FETCH completed")


@handles(c.Search, SELECTED)
def search(session: Session, command: c.Search) -> Outcome:
    # RFC 3501 6.4.4
    view = session.require_selected()
    if command.charset is not None and command.charset not in CHARSETS:
        code = [Atom("BADCHARSET"), [Atom(name) for name in CHARSETS]]
        raise No("Unsupported charset", code)
    found: list[int] = []
    try:
        yield from matching(view, command.key, found)
    except SequenceError as error:
        raise Bad(str(error)) from None
    numbers = [view.uids[i] if command.uid else i + 1 for i in found]
    yield b"* SEARCH" + b"".join(b" %d" % n for n in numbers) + b"\r\n"
    return Done("SEARCH completed")


@handles(c.Idle, AUTHENTICATED)
def idle(session: Session, command: c.Idle) -> Outcome:
    # RFC 2177 3: updates flow until the client sends DONE.
    yield fmt.continuation("idling")
    if session.selected is not None:
        yield from session.selected.updates(allow_expunge=True)

    def resume(line: bytes) -> Generator[bytes, None, Done]:
        if line.strip().upper() != b"DONE":
            raise Bad("Expected DONE")
        return Done("IDLE terminated")
        yield

    return Suspend(resume)
