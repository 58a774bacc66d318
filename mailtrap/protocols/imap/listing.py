"""The handler of LIST and LSUB (RFC 3501 6.3.8-6.3.9) with LIST-EXTENDED (RFC 5258),
LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154): which names match, and the attributes each
is listed with.

Names are matched in their IMAP form (modified UTF-7) against the reference joined with each
pattern, through :class:`~.wildcards.ListPattern`; INBOX matches in any case. Every
folder of the account exists as a name, so the levels ``%`` stops at are listed as folders
(a deleted parent as ``\\Noselect``).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ...store import DELIMITER, INBOX, FolderInfo
from . import commands as c
from . import format as fmt
from .cmd_mailbox import status_response
from .format import Atom
from .outcomes import PAUSE, Done, Outcome, Slices
from .states import AUTHENTICATED, handles
from .utf7 import encode_utf7
from .wildcards import ListPattern

if TYPE_CHECKING:
    from .session import Session

_SEP = DELIMITER.encode()
_INBOX = INBOX.encode()


@dataclass(slots=True)
class _Name:
    """One name that may be listed: its folder (None when it does not exist), whether it is
    subscribed, and whether it has children."""

    folder: str
    info: FolderInfo | None
    subscribed: bool
    children: bool = False


def _canonical(pattern: bytes) -> bytes:
    """A pattern with a first level of INBOX in any case written INBOX (RFC 3501 5.1)."""
    first, sep, rest = pattern.partition(_SEP)
    return _INBOX + sep + rest if first.upper() == _INBOX else pattern


class _Patterns:
    """The reference joined with each pattern (RFC 3501 6.3.8), matched against IMAP names."""

    def __init__(self, reference: bytes, patterns: tuple[bytes, ...]) -> None:
        joined = [_canonical(reference + pattern) for pattern in patterns]
        self._plain = [ListPattern(p, _SEP) for p in joined]
        self._inbox = [ListPattern(p, _SEP, ignore_case=True) for p in joined]

    def match(self, name: bytes) -> bool:
        matchers = self._inbox if name == _INBOX else self._plain
        return any(m.matches(name) for m in matchers)


def _names(session: Session) -> dict[str, _Name]:
    """Every folder of the user and every subscribed name, by folder path."""
    assert session.user is not None
    subscribed = set(session.store.subscriptions(session.user))
    folders = session.mailboxes.folders(session.user)
    found = {f.name: _Name(f.name, f, f.name in subscribed) for f in folders}
    for name in sorted(subscribed - found.keys()):
        found[name] = _Name(name, None, True)
    for folder in folders:  # the store keeps every parent of a folder as a folder
        parent = folder.name.rpartition(DELIMITER)[0]
        if parent in found:
            found[parent].children = True
    return found


def _order(folder: str) -> tuple[bool, str]:
    """INBOX and its children first, then every other name in order."""
    return (folder.partition(DELIMITER)[0] != INBOX, folder)


def _ancestors(folder: str) -> Iterator[str]:
    parts = folder.split(DELIMITER)
    for i in range(1, len(parts)):
        yield DELIMITER.join(parts[:i])


@handles(c.ListMailboxes, AUTHENTICATED)
def list_mailboxes(session: Session, command: c.ListMailboxes) -> Outcome:
    # RFC 3501 6.3.8 (LIST) and 6.3.9 (LSUB); RFC 5258, 5819 and 6154 for the options
    kind = "LSUB" if command.lsub else "LIST"
    if command.patterns == (b"",) and not command.extended:
        if not command.lsub:  # the hierarchy delimiter and the root name
            yield b'* LIST (\\Noselect) %s ""\r\n' % fmt.string(DELIMITER)
        return Done(f"{kind} completed")
    patterns = _Patterns(command.reference, command.patterns)
    names = _names(session)
    by_subscription = command.lsub or "SUBSCRIBED" in command.select
    recursive = "RECURSIVEMATCH" in command.select
    reason = "SUBSCRIBED" if by_subscription else "SPECIAL-USE"

    def chosen(name: _Name) -> bool:
        if by_subscription:
            return name.subscribed
        if "SPECIAL-USE" in command.select:
            return name.info is not None and bool(name.info.special_uses)
        return name.info is not None

    listed: dict[str, list[str]] = {}  # folder -> its CHILDINFO items
    for name in names.values():
        if not chosen(name):
            continue
        if patterns.match(encode_utf7(name.folder)):
            listed.setdefault(name.folder, [])
        elif command.lsub or recursive:
            # RFC 3501 6.3.9: LSUB "%" lists the level above a subscribed child, \Noselect;
            # RFC 5258 3.5: RECURSIVEMATCH lists it with CHILDINFO.
            for ancestor in _ancestors(name.folder):
                if patterns.match(encode_utf7(ancestor)):
                    items = listed.setdefault(ancestor, [])
                    if recursive and reason not in items:
                        items.append(reason)
    slices = Slices()
    for folder in sorted(listed, key=_order):
        if slices.due():
            yield PAUSE
        name = names.get(folder) or _Name(folder, None, False)
        attributes = _lsub_attributes(name) if command.lsub else _attributes(name, command)
        line = b"* %s %s %s %s" % (
            kind.encode(),
            fmt.value([Atom(a) for a in attributes]),
            fmt.string(DELIMITER),
            fmt.astring(encode_utf7(folder)),
        )
        if listed[folder]:  # RFC 5258 6 mbox-list-extended
            line += b" " + fmt.value(["CHILDINFO", listed[folder]])
        yield line + b"\r\n"
        if command.status is not None and name.info is not None and not name.info.noselect:
            yield status_response(session, name.info.mailbox, command.status)
    return Done(f"{kind} completed")


def _lsub_attributes(name: _Name) -> list[str]:
    """RFC 3501 6.3.9: a level listed only for its subscribed children is \\Noselect."""
    if not name.subscribed or (name.info is not None and name.info.noselect):
        return ["\\Noselect"]
    return []


def _attributes(name: _Name, command: c.ListMailboxes) -> list[str]:
    """LIST attributes (RFC 3501 7.2.2, RFC 3348 children, RFC 5258 3, RFC 6154 2)."""
    attributes = []
    if name.info is None:
        attributes.append("\\NonExistent")  # RFC 5258 3.4: implies \Noselect
    elif name.info.noselect:
        attributes.append("\\Noselect")
    attributes.append("\\HasChildren" if name.children else "\\HasNoChildren")
    if name.subscribed and "SUBSCRIBED" in command.select | command.returns:
        attributes.append("\\Subscribed")
    if name.info is not None:  # RFC 6154 2: sent whether or not RETURN (SPECIAL-USE) asks
        attributes += sorted(name.info.special_uses)
    return attributes
