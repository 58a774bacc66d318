"""The single source of truth for captured mail: interface, events, the memory backend, and
the SQLite backend (loaded on first use, so ``import mailtrap`` never imports ``sqlite3``).

PYTEST_DONT_REWRITE
"""

from ..exports import later
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
    UID_TYPE,
    Delivery,
    Entry,
    FolderError,
    FolderExists,
    FolderInfo,
    FolderView,
    MailboxId,
    MailboxInfo,
    MailboxRef,
    MailboxSnapshot,
    MessageRecord,
    NoSuchFolder,
    as_mailbox,
    keywords,
)

__all__ = [
    "DELETED",
    "DELIMITER",
    "INBOX",
    "SEEN",
    "SPECIAL_USES",
    "SYSTEM_FLAGS",
    "UID_TYPE",
    "Cleared",
    "DatabaseError",
    "Delivered",
    "Delivery",
    "DerivedCache",
    "Entry",
    "Expunged",
    "FlagMode",
    "FlagsChanged",
    "FolderError",
    "FolderExists",
    "FolderInfo",
    "FolderView",
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
    "keywords",
]


#: The SQLite backend's names, loaded on first use.
__getattr__ = later(
    __name__, {".sqlite_query": ("SqliteStore",), ".sqlite_schema": ("DatabaseError",)}
)
