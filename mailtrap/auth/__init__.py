"""Mail accounts: the one authenticator every front-end asks, below the protocol engines.

Pure logic, no I/O: :mod:`.credentials` (the rules for names and passwords), :mod:`.sasl`
(PLAIN, LOGIN and CRAM-MD5 as step-wise exchanges), :mod:`.hashes` (stored passwords),
:mod:`.users` (the users file, the inline form, htpasswd), :mod:`.authenticator` (modes and
checking), :mod:`.throttle` (the failure-delay policy).

PYTEST_DONT_REWRITE
"""

from typing import TYPE_CHECKING

from ..exports import later
from .authenticator import Authenticator, Login, Mode

if TYPE_CHECKING:
    from .credentials import Check, Digest, Password, Refusal, basic_credentials
    from .sasl import Cancelled, Challenge, Malformed, Mechanism
    from .throttle import Throttle
    from .users import Htpasswd, Users, UsersError, read_htpasswd

#: Loaded with the first login or account, not with the servers.
__getattr__ = later(
    __name__,
    {
        ".credentials": ("Check", "Digest", "Password", "Refusal", "basic_credentials"),
        ".sasl": ("Cancelled", "Challenge", "Malformed", "Mechanism"),
        ".throttle": ("Throttle",),
        ".users": ("Htpasswd", "Users", "UsersError", "read_htpasswd"),
    },
)


__all__ = [
    "Authenticator",
    "Cancelled",
    "Challenge",
    "Check",
    "Digest",
    "Htpasswd",
    "Login",
    "Malformed",
    "Mechanism",
    "Mode",
    "Password",
    "Refusal",
    "Throttle",
    "Users",
    "UsersError",
    "basic_credentials",
    "read_htpasswd",
]
