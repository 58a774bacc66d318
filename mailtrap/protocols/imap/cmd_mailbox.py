"""Handlers of the authenticated-state mailbox commands (RFC 3501 6.3): SELECT, EXAMINE, LIST,
LSUB, STATUS, SUBSCRIBE, UNSUBSCRIBE, NAMESPACE, and the part-2 commands that answer NO.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...store import DELIMITER, SEEN, FolderInfo, MailboxId
from . import commands as c
from . import format as fmt
from .format import Atom, Joined
from .mailboxes import INBOX_NAME
from .outcomes import PAUSE, Done, No, Outcome, Slices
from .selected import SelectedMailbox
from .states import AUTHENTICATED, handles
from .wildcards import ListPattern

if TYPE_CHECKING:
    from .session import Session

_NONEXISTENT = Atom("NONEXISTENT")


def _mailbox(session: Session, name: bytes) -> MailboxId:
    """The selectable mailbox ``name`` names, or NO [NONEXISTENT]."""
    assert session.user is not None
    mailbox = session.mailboxes.mailbox(session.user, name)
    if mailbox is None or session.store.snapshot(mailbox) is None:
        raise No("No such mailbox", _NONEXISTENT)
    return mailbox


@handles(c.Select, AUTHENTICATED)
def select(session: Session, command: c.Select) -> Outcome:
    # RFC 3501 6.3.1 (SELECT) and 6.3.2 (EXAMINE)
    session.selected = None
    mailbox = _mailbox(session, command.mailbox)
    view = SelectedMailbox(session.mailboxes, mailbox, readonly=command.readonly)
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
    if command.lsub:
        found = [(name, []) for name in session.store.subscriptions(session.user)]
    else:
        folders = session.mailboxes.folders(session.user)
        found = [(f.name, _attributes(f, folders)) for f in folders]
    slices = Slices()
    for folder, attributes in found:
        if slices.due():
            yield PAUSE
        name = session.mailboxes.name(MailboxId(session.user, folder))
        if (inbox_matcher if name == INBOX_NAME else matcher).matches(name):
            yield _list_line(kind, attributes, name)
    return Done(f"{kind} completed")


def _attributes(folder: FolderInfo, folders: list[FolderInfo]) -> list[str]:
    """LIST attributes (RFC 3501 7.2.2, RFC 3348 children, RFC 6154 special use)."""
    prefix = folder.name + DELIMITER
    children = any(f.name.startswith(prefix) for f in folders)
    attributes = ["\\HasChildren" if children else "\\HasNoChildren"]
    if folder.noselect:
        attributes.insert(0, "\\Noselect")
    if folder.special_use:
        attributes.append(folder.special_use)
    return attributes


@handles(c.Status, AUTHENTICATED)
def status(session: Session, command: c.Status) -> Outcome:
    # RFC 3501 6.3.10
    mailbox = _mailbox(session, command.mailbox)
    selected = session.selected
    if selected is not None and selected.mailbox == mailbox:
        yield from selected.updates(allow_expunge=True)
    snapshot = session.store.snapshot(mailbox)
    entries = snapshot.entries if snapshot else ()
    if selected is not None and selected.mailbox == mailbox:
        recent = len(selected.recent)
    else:
        key = (mailbox, snapshot.uidvalidity if snapshot else 0)
        claimed = session.mailboxes.claimed_recent(key)
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
    mailbox = session.mailboxes.mailbox(session.user, command.mailbox)
    if command.subscribe:
        if mailbox is None or session.store.folder(mailbox) is None:
            raise No("No such mailbox", _NONEXISTENT)
        session.store.set_subscribed(mailbox, True)
        return Done("SUBSCRIBE completed")
    if mailbox is not None:
        session.store.set_subscribed(mailbox, False)
    return Done("UNSUBSCRIBE completed")
    yield


@handles(c.Namespace, AUTHENTICATED)
def namespace(session: Session, command: c.Namespace) -> Outcome:
    # RFC 2342 5: one personal namespace, no prefix; no other users' or shared namespaces.
    # RFC 4466 3: Namespace = nil / "(" 1*Namespace-Descr ")", the descriptions side by side.
    yield fmt.untagged(Atom("NAMESPACE"), [Joined([["", DELIMITER]])], None, None)
    return Done("NAMESPACE completed")


@handles(c.NotYet, AUTHENTICATED)
def not_yet(session: Session, command: c.NotYet) -> Outcome:
    # RFC 5530 3: CANNOT, the operation is not supported here (mailbox management comes later).
    raise No(f"{command.name} is not supported by this server yet", Atom("CANNOT"))
    yield
