"""Handlers of the commands that put messages into a folder: APPEND (RFC 3501 6.3.11, RFC 3502
MULTIAPPEND), COPY (6.4.7) and MOVE (RFC 6851), with UIDPLUS's response codes (RFC 4315 3).

Appended messages are full store messages (no envelope); copies and moves link the stored
message into the target folder. A target that does not exist answers ``NO [TRYCREATE]``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ...store import Entry, FolderError, FolderInfo
from . import commands as c
from . import format as fmt
from .cmd_selected import positions
from .format import Atom
from .lexer import Record
from .outcomes import PAUSE, Done, No, Outcome, Slices, batches
from .parse_mailbox import mailbox
from .sequence import uid_set
from .states import AUTHENTICATED, SELECTED, handles
from .tokens import Cursor, ParseError

if TYPE_CHECKING:
    from .session import Session

_TRYCREATE = Atom("TRYCREATE")
_APPEND = re.compile(rb"[^ ]+ APPEND ", re.IGNORECASE)


def _target(session: Session, name: bytes) -> FolderInfo:
    """The folder messages go to; RFC 3501 6.3.11, 6.4.7: NO [TRYCREATE] when there is none."""
    assert session.user is not None
    info = session.mailboxes.folder(session.user, name)
    if info is None or info.noselect:
        raise No("No such mailbox", _TRYCREATE)
    return info


def _arrivals_for_this_session(session: Session, info: FolderInfo) -> None:
    """New messages in the selected folder: announced before the tagged OK (RFC 3501 6.3.11)."""
    if session.selected is not None and session.selected.uidvalidity == info.uidvalidity:
        session.selected.expect_arrivals()


def append_target_missing(session: Session, first_line: bytes) -> bool:
    """True when the first line of an APPEND names a mailbox there is none of: the command is
    refused before the client sends the message (as in RFC 3502 6's example)."""
    match = _APPEND.match(first_line)
    if match is None or session.user is None or session.state not in AUTHENTICATED:
        return False
    cursor = Cursor(Record((first_line,), ()))
    cursor.pos = match.end()
    try:
        name = mailbox(cursor)  # a name sent as a literal is not known yet: the answer waits
    except ParseError:
        return False
    info = session.mailboxes.folder(session.user, name)
    return info is None or info.noselect


@handles(c.Append, AUTHENTICATED)
def append(session: Session, command: c.Append) -> Outcome:
    # RFC 3501 6.3.11; RFC 3502 3: all of the messages or none of them.
    info = _target(session, command.mailbox)
    limit = session.append_limit
    for message in command.messages:
        if not message.data:
            raise No("An empty message cannot be appended", Atom("CANNOT"))
        if limit is not None and len(message.data) > limit:
            raise No("Message too large", Atom("TOOBIG"))  # RFC 7889 4
    added: list[Entry] = []
    slices = Slices()
    try:
        for message in command.messages:
            added.append(
                session.store.append(
                    info.mailbox, message.data, message.flags, message.internal_date
                )
            )
            if slices.due():
                yield PAUSE
    except FolderError:  # the folder went away meanwhile: undo
        session.store.expunge(info.mailbox, [entry.uid for entry in added])
        raise No("No such mailbox", _TRYCREATE) from None
    _arrivals_for_this_session(session, info)
    code = [Atom("APPENDUID"), info.uidvalidity, Atom(uid_set([e.uid for e in added]))]
    return Done("APPEND completed", code)


@handles(c.Copy, SELECTED)
def copy(session: Session, command: c.Copy) -> Outcome:
    # RFC 3501 6.4.7 (COPY), RFC 6851 3 (MOVE), RFC 4315 3 (COPYUID); a batch at a time
    view = session.require_selected()
    if command.move and view.readonly:
        raise No("The mailbox is read-only", Atom("READ-ONLY"))
    found = positions(view, command.sequence, command.uid)
    uids = view.present(found)
    info = _target(session, command.mailbox)
    transfer = session.store.move if command.move else session.store.copy
    pairs: list[tuple[int, int]] = []
    failed = False
    slices = Slices()
    try:
        for batch in batches(uids):
            pairs += transfer(view.mailbox, batch, info.mailbox)
            if slices.due():
                yield PAUSE
    except FolderError:  # a folder went away meanwhile
        failed = True
        if not command.move:  # RFC 3501 6.4.7: a failed COPY leaves the target as it was
            session.store.expunge(info.mailbox, [new for _, new in pairs])
            pairs = []
    _arrivals_for_this_session(session, info)
    code = None
    if pairs:
        olds, news = uid_set([old for old, _ in pairs]), uid_set([new for _, new in pairs])
        code = [Atom("COPYUID"), info.uidvalidity, Atom(olds), Atom(news)]
    if command.move:  # RFC 6851 3.3: what moved stays moved; it is reported
        if code is not None:  # RFC 6851 4.3: COPYUID before the EXPUNGEs, in an untagged OK
            yield fmt.status(b"*", "OK", "Moved", code)
        yield from view.remove({old for old, _ in pairs})
    if failed:
        raise No("No such mailbox", _TRYCREATE)
    return Done(f"{'MOVE' if command.move else 'COPY'} completed", None if command.move else code)
