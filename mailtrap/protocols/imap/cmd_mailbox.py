"""Handlers of the authenticated-state mailbox commands (RFC 3501 6.3): SELECT, EXAMINE, LIST,
LSUB, STATUS, SUBSCRIBE, UNSUBSCRIBE, NAMESPACE, and the part-2 commands that answer NO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...store import SEEN
from . import commands as c
from . import format as fmt
from .format import Atom
from .mailboxes import DELIMITER, INBOX
from .outcomes import PAUSE, Done, No, Outcome, Slices
from .selected import SelectedMailbox
from .states import AUTHENTICATED, handles
from .wildcards import ListPattern

if TYPE_CHECKING:
    from .session import Session

_NONEXISTENT = Atom("NONEXISTENT")


def _address(session: Session, name: bytes) -> str:
    assert session.user is not None
    address = session.mailboxes.address(session.user, name)
    if address is None:
        raise No("No such mailbox", _NONEXISTENT)
    return address


@handles(c.Select, AUTHENTICATED)
def select(session: Session, command: c.Select) -> Outcome:
    # RFC 3501 6.3.1 (SELECT) and 6.3.2 (EXAMINE)
    session.selected = None
    address = _address(session, command.mailbox)
    view = SelectedMailbox(session.mailboxes, address, readonly=command.readonly)
    session.selected = view
    yield from view.select_responses()
    mode = "READ-ONLY" if command.readonly else "READ-WRITE"
    return Done(f"{'EXAMINE' if command.readonly else 'SELECT'} completed", Atom(mode))


def _list_line(kind: str, attributes: list[str], name: bytes) -> bytes:
    flags = fmt.value([Atom(a) for a in attributes])
    delimiter = fmt.string(DELIMITER)
    return b"* %s %s %s %s\r\n" % (kind.encode(), flags, delimiter, fmt.astring(name))


@handles(c.ListMailboxes, AUTHENTICATED)
def list_mailboxes(session: Session, command: c.ListMailboxes) -> Outcome:
    # RFC 3501 6.3.8 (LIST) and 6.3.9 (LSUB)
    assert session.user is not None
    kind = "LSUB" if command.lsub else "LIST"
    if not command.pattern and not command.lsub:
        # An empty pattern asks for the hierarchy delimiter and the root name.
        yield b'* LIST (\\Noselect) %s ""\r\n' % fmt.string(DELIMITER)
        return Done("LIST completed")
    # RFC 3501 6.3.8: the reference and the pattern are joined; INBOX is case-insensitive.
    joined = command.reference + command.pattern
    delimiter = DELIMITER.encode()
    matcher = ListPattern(joined, delimiter)
    inbox_matcher = ListPattern(joined, delimiter, ignore_case=True)
    subscribed = session.mailboxes.subscriptions(session.user)
    names = sorted(subscribed) if command.lsub else session.mailboxes.names(session.user)
    slices = Slices()
    for name in names:
        if slices.due():
            yield PAUSE
        if (inbox_matcher if name == INBOX else matcher).matches(name):
            attributes = [] if command.lsub else ["\\HasNoChildren"]
            yield _list_line(kind, attributes, name)
    return Done(f"{kind} completed")


@handles(c.Status, AUTHENTICATED)
def status(session: Session, command: c.Status) -> Outcome:
    # RFC 3501 6.3.10
    address = _address(session, command.mailbox)
    selected = session.selected
    if selected is not None and selected.address == address:
        yield from selected.updates(allow_expunge=True)
    snapshot = session.mailboxes.snapshot(address)
    entries = snapshot.entries if snapshot else ()
    if selected is not None and selected.address == address:
        recent = len(selected.recent)
    else:
        claimed = session.mailboxes.claimed_recent(address)
        recent = sum(1 for e in entries if e.uid > claimed)
    counts = {
        "MESSAGES": len(entries),
        "RECENT": recent,
        "UIDNEXT": snapshot.uidnext if snapshot else 1,
        "UIDVALIDITY": snapshot.uidvalidity if snapshot else 1,
        "UNSEEN": sum(1 for e in entries if SEEN not in e.flags),
    }
    items: list[fmt.Value] = []
    for item in dict.fromkeys(command.items):
        items += [Atom(item), counts[item]]
    yield b"* STATUS %s %s\r\n" % (fmt.astring(command.mailbox), fmt.value(items))
    return Done("STATUS completed")


@handles(c.Subscribe, AUTHENTICATED)
def subscribe(session: Session, command: c.Subscribe) -> Outcome:
    # RFC 3501 6.3.6 and 6.3.7
    assert session.user is not None
    subscribed = session.mailboxes.subscriptions(session.user)
    if command.subscribe:
        _address(session, command.mailbox)
        subscribed.add(command.mailbox)
        return Done("SUBSCRIBE completed")
    subscribed.discard(command.mailbox)
    return Done("UNSUBSCRIBE completed")
    yield


@handles(c.Namespace, AUTHENTICATED)
def namespace(session: Session, command: c.Namespace) -> Outcome:
    # RFC 2342 5: one personal namespace, no prefix; no other users' or shared namespaces.
    yield fmt.untagged(Atom("NAMESPACE"), [["", DELIMITER]], None, None)
    return Done("NAMESPACE completed")


@handles(c.NotYet, AUTHENTICATED)
def not_yet(session: Session, command: c.NotYet) -> Outcome:
    # RFC 5530 3: CANNOT, the operation is not supported here (mailbox management comes later).
    raise No(f"{command.name} is not supported by this server yet", Atom("CANNOT"))
    yield
