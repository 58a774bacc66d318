"""The single source of truth for captured mail: interface, events, memory backend."""

from .base import FlagMode, MessageStore
from .events import Cleared, Delivered, Expunged, FlagsChanged, StoreEvent, Subscriber
from .memory import MemoryStore
from .model import DELETED, SEEN, SYSTEM_FLAGS, Entry, MailboxInfo, MailboxSnapshot, StoredMessage

__all__ = [
    "DELETED",
    "SEEN",
    "SYSTEM_FLAGS",
    "Cleared",
    "Delivered",
    "Entry",
    "Expunged",
    "FlagMode",
    "FlagsChanged",
    "MailboxInfo",
    "MailboxSnapshot",
    "MemoryStore",
    "MessageStore",
    "StoreEvent",
    "StoredMessage",
    "Subscriber",
]
