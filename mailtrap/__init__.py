"""mailtrap: a mail sink for tests and development.

``from mailtrap import MailTrap`` runs every server in-process; see the README for a tour.
"""

from ._version import __version__
from .config import Config
from .mail import Mailbox, Message
from .message import Address
from .mime import Attachment
from .testing import MailTrap, MailWaitTimeout

__all__ = [
    "Address",
    "Attachment",
    "Config",
    "MailTrap",
    "MailWaitTimeout",
    "Mailbox",
    "Message",
    "__version__",
]
