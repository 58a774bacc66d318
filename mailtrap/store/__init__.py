"""The single source of truth for captured mail: interface, events, memory backend."""

from .base import FlagMode, MessageStore
from .cache import DerivedCache
from .events import (
    Cleared,
    Delivered,
    Expunged,
    FlagsChanged,
    FoldersChanged,
    Linked,
    StoreEvent,
    Subscriber,
    TagsChanged,
)
from .memory import MemoryStore
from .model import (
    DELETED,
    DELIMITER,
    INBOX,
    SEEN,
    SPECIAL_USES,
    SYSTEM_FLAGS,
    Entry,
    FolderError,
    FolderExists,
    FolderInfo,
    MailboxId,
    MailboxInfo,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
    NoSuchFolder,
    as_mailbox,
)
from .sqlite_query import SqliteStore
from .sqlite_schema import DatabaseError

__all__ = [
    "DELETED",
    "DELIMITER",
    "INBOX",
    "SEEN",
    "SPECIAL_USES",
    "SYSTEM_FLAGS",
    "Cleared",
    "DatabaseError",
    "Delivered",
    "DerivedCache",
    "Entry",
    "Expunged",
    "FlagMode",
    "FlagsChanged",
    "FolderError",
    "FolderExists",
    "FolderInfo",
    "FoldersChanged",
    "Linked",
    "MailboxId",
    "MailboxInfo",
    "MailboxRef",
    "MailboxSnapshot",
    "MemoryStore",
    "MessageRecord",
    "MessageStore",
    "NoSuchFolder",
    "SqliteStore",
    "StoreEvent",
    "Subscriber",
    "TagsChanged",
    "as_mailbox",
]
