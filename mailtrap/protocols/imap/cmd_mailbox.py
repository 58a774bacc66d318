"""Handlers of SELECT, EXAMINE and STATUS (RFC 3501 6.3.1, 6.3.2, 6.3.10) and NAMESPACE (RFC
2342). Folder management is in :mod:`.cmd_folders`, LIST and LSUB in :mod:`.listing` (patterns
matched by :mod:`.wildcards`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from ...store import DELIMITER, FolderView, MailboxId
from . import commands as c
from . import format as fmt
from .format import Atom, Joined
from .outcomes import Done, Load, No, Outcome
from .selected import SelectedMailbox
from .states import AUTHENTICATED, handles

if TYPE_CHECKING:
    from .session import Session

_NONEXISTENT = Atom("NONEXISTENT")


def _mailbox(session: Session, name: bytes) -> MailboxId:
    """The selectable mailbox ``name`` names, or NO [NONEXISTENT]."""
    assert session.user is not None
    info = session.mailboxes.folder(session.user, name)
    if info is None or info.noselect:
        raise No("No such mailbox", _NONEXISTENT)
    return info.mailbox


@handles(c.Select, AUTHENTICATED)
def select(session: Session, command: c.Select) -> Outcome:
    # RFC 3501 6.3.1 (SELECT) and 6.3.2 (EXAMINE)
    session.selected = None
    mailbox = _mailbox(session, command.mailbox)
    store = session.store
    if store.blocking_writes:  # a database: reading a big folder takes long, so not on the loop
        return Load(
            lambda: store.folder_view(mailbox),
            lambda found: _opened(session, command, mailbox, found),
        )
    return (yield from _opened(session, command, mailbox, store.folder_view(mailbox)))


def _opened(
    session: Session, command: c.Select, mailbox: MailboxId, folder: object
) -> Generator[bytes, None, Done]:
    assert folder is None or isinstance(folder, FolderView)
    view = SelectedMailbox(session.mailboxes, mailbox, folder, readonly=command.readonly)
    for event in session.held():  # what changed while the folder was read
        view.notify(event)
    session.selected = view
    yield from view.select_responses()
    mode = "READ-ONLY" if command.readonly else "READ-WRITE"
    return Done(f"{'EXAMINE' if command.readonly else 'SELECT'} completed", Atom(mode))


def status_response(session: Session, mailbox: MailboxId, items: tuple[str, ...]) -> bytes:
    """``* STATUS name (item value ...)`` for a folder (RFC 3501 7.2.4); STATUS and LIST-STATUS
    (RFC 5819) both write it. Counts come from the store's folder record; only RECENT may need
    the folder's UIDs, and only while some of them are unclaimed."""
    info = session.store.folder(mailbox)
    assert info is not None
    selected = session.selected
    recent = 0
    if selected is not None and selected.uidvalidity == info.uidvalidity:
        recent = selected.recent_count()  # RFC 3501 2.3.2: this session's \Recent
    elif "RECENT" in items:
        claimed = session.mailboxes.claimed_recent(info.uidvalidity)
        if not claimed:  # none claimed yet: every message (a count the folder keeps)
            recent = info.total
        elif claimed < info.uidnext - 1:  # read what came since the last claim, only
            snapshot = session.store.snapshot(mailbox, after=claimed)
            recent = len(snapshot.entries) if snapshot is not None else 0
    counts = {
        "MESSAGES": info.total,
        "RECENT": recent,
        "UIDNEXT": info.uidnext,
        "UIDVALIDITY": info.uidvalidity,
        "UNSEEN": info.unseen,
    }
    values: list[fmt.Value] = []
    for item in dict.fromkeys(items):
        values += [Atom(item), counts[item]]
    name = session.mailboxes.name(info.mailbox)
    return b"* STATUS %s %s\r\n" % (fmt.astring(name), fmt.value(values))


@handles(c.Status, AUTHENTICATED)
def status(session: Session, command: c.Status) -> Outcome:
    # RFC 3501 6.3.10
    mailbox = _mailbox(session, command.mailbox)
    selected = session.selected
    if selected is not None and selected.mailbox == mailbox:
        yield from selected.updates(allow_expunge=True)
    yield status_response(session, mailbox, command.items)
    return Done("STATUS completed")


@handles(c.Namespace, AUTHENTICATED)
def namespace(session: Session, command: c.Namespace) -> Outcome:
    # RFC 2342 5: one personal namespace, no prefix; no other users' or shared namespaces.
    # RFC 4466 3: Namespace = nil / "(" 1*Namespace-Descr ")", the descriptions side by side.
    yield fmt.untagged(Atom("NAMESPACE"), [Joined([["", DELIMITER]])], None, None)
    return Done("NAMESPACE completed")
