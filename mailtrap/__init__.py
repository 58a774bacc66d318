"""mailtrap: a mail sink for tests and development.

``from mailtrap import MailTrap`` runs every server in-process; see the README for a tour.
"""

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .config import Config
from .mail import Mailbox, Message
from .message import Address
from .testing import MailTrap, MailWaitTimeout

if TYPE_CHECKING:
    from .mime import Attachment


def __getattr__(name: str) -> Any:
    # The MIME view (and html.parser) load when first used, not with ``import mailtrap``.
    if name == "Attachment":
        from .mime import Attachment

        return Attachment
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
