"""mailtrap: a mail sink for tests and development.

``from mailtrap import MailTrap`` runs every server in-process; see the README for a tour.

PYTEST_DONT_REWRITE
"""

from typing import TYPE_CHECKING

from ._version import __version__
from .config import Config
from .exports import later
from .mail import Message
from .message import Address
from .testing import MailTrap, MailWaitTimeout

if TYPE_CHECKING:
    from .mailbox import Mailbox
    from .mime import Attachment


#: The MIME view (and html.parser) and the folders' view load when first used.
__getattr__ = later(__name__, {".mime": ("Attachment",), ".mailbox": ("Mailbox",)})


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
