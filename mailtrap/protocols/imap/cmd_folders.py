"""Handlers of the folder-management commands: CREATE, DELETE, RENAME (RFC 3501 6.3.3-6.3.5,
RFC 6154 5.3 CREATE-SPECIAL-USE), SUBSCRIBE and UNSUBSCRIBE (6.3.6-6.3.7).

Names are decoded from modified UTF-7 (RFC 3501 5.1.3); the store does the work and says why
it refused (:class:`~mailtrap.store.FolderError` carries the RFC 5530 response code).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...store import FolderError, MailboxId
from . import commands as c
from .format import Atom
from .outcomes import Done, No, Outcome
from .states import AUTHENTICATED, handles

if TYPE_CHECKING:
    from .session import Session

#: RFC 6154 2: the special uses a folder may be created with (\All and \Flagged are virtual).
CREATABLE_USES = frozenset({"\\Archive", "\\Drafts", "\\Junk", "\\Sent", "\\Trash"})
_WILDCARDS = frozenset(b"*%")


def folder_name(session: Session, name: bytes) -> MailboxId:
    """The mailbox a name for a new or renamed folder stands for; NO [CANNOT] when it can't
    name one (bad modified UTF-7, or LIST's wildcards, which would make it unlistable)."""
    assert session.user is not None
    mailbox = session.mailboxes.mailbox(session.user, name)
    if mailbox is None or _WILDCARDS & set(name):
        raise No("That name cannot be used for a mailbox", Atom("CANNOT"))
    return mailbox


_REFUSALS = {"NONEXISTENT": "No such mailbox", "ALREADYEXISTS": "Mailbox already exists"}


def refused(error: FolderError, command: str) -> No:
    """The NO the store's refusal stands for, with its RFC 5530 code (the store's own text may
    quote the client's names, so it is not sent)."""
    return No(_REFUSALS.get(error.code, f"{command} cannot be done here"), Atom(error.code))


@handles(c.Create, AUTHENTICATED)
def create(session: Session, command: c.Create) -> Outcome:
    # RFC 3501 6.3.3; RFC 6154 5.3 for the USE parameter.
    mailbox = folder_name(session, command.mailbox)
    if not set(command.uses) <= CREATABLE_USES:
        raise No("That special use cannot be given to a mailbox here", Atom("USEATTR"))
    try:
        session.store.create_folder(mailbox, command.uses or None)
    except FolderError as error:
        raise refused(error, "CREATE") from None
    return Done("CREATE completed")
    yield


@handles(c.Delete, AUTHENTICATED)
def delete(session: Session, command: c.Delete) -> Outcome:
    # RFC 3501 6.3.4
    assert session.user is not None
    mailbox = session.mailboxes.mailbox(session.user, command.mailbox)
    if mailbox is None:
        raise No("No such mailbox", Atom("NONEXISTENT"))
    try:
        session.store.delete_folder(mailbox)
    except FolderError as error:
        raise refused(error, "DELETE") from None
    return Done("DELETE completed")
    yield


@handles(c.Rename, AUTHENTICATED)
def rename(session: Session, command: c.Rename) -> Outcome:
    # RFC 3501 6.3.5
    assert session.user is not None
    mailbox = session.mailboxes.mailbox(session.user, command.mailbox)
    if mailbox is None:
        raise No("No such mailbox", Atom("NONEXISTENT"))
    target = folder_name(session, command.new_name)
    try:
        session.store.rename_folder(mailbox, target.folder)
    except FolderError as error:
        raise refused(error, "RENAME") from None
    return Done("RENAME completed")
    yield


@handles(c.Subscribe, AUTHENTICATED)
def subscribe(session: Session, command: c.Subscribe) -> Outcome:
    # RFC 3501 6.3.6 and 6.3.7: any valid name may be subscribed, existing or not; LIST
    # (SUBSCRIBED) shows the ones that do not exist as \NonExistent (RFC 5258 3.4).
    mailbox = folder_name(session, command.mailbox)
    session.store.set_subscribed(mailbox, command.subscribe)
    return Done(f"{'SUBSCRIBE' if command.subscribe else 'UNSUBSCRIBE'} completed")
    yield
