"""A fast path for the address in ``MAIL FROM:`` and ``RCPT TO:``, in front of aiosmtpd's parser.

aiosmtpd's ``SMTP._getaddr`` defines a ``typing.Protocol`` class on every call (cyclic garbage
for the collector as well as the class creation itself) and then runs the ``email`` package's
RFC 5322 header parser; under load that was about a fifth of the server's CPU (bench/README.md).
Almost every client sends the plain form ``<local@domain>``, optionally followed by parameters,
and for that form the answer is the text between the brackets. :func:`ordinary_address`
recognises exactly that form and returns what aiosmtpd's parser returns for it; anything else
(the null path ``<>``, quoted or non-ASCII local parts, address literals, source routes,
comments, a missing bracket) returns ``None`` and goes through aiosmtpd's own parser, so every
answer stays aiosmtpd's. tests/core/test_smtp_address.py holds the two side by side.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from typing import Any

# RFC 5321 4.1.2: Dot-string = Atom *("." Atom), Atom = 1*atext (RFC 5322 3.2.3 atext, ASCII).
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
# A domain of letters, digits and hyphens in dot-separated labels (RFC 5321 4.1.2 Domain);
# address literals ("[...]") take the slow path.
_LABEL = r"[A-Za-z0-9-]+"
_PATH = re.compile(rf"<((?:{_ATOM})(?:\.{_ATOM})*)@({_LABEL}(?:\.{_LABEL})*)>", re.ASCII)


def ordinary_address(arg: str, local_part_limit: int = 0) -> tuple[str | None, str] | None:
    """``(address, rest)`` for ``<local@domain>[ parameters]``, as aiosmtpd answers it;
    ``None`` for anything else (and for a local part over the limit: aiosmtpd rejects it)."""
    match = _PATH.match(arg)
    if match is None:
        return None
    tail = arg[match.end() :]
    if tail:
        # What follows the ">": the parser skips folding white space (any Unicode white space
        # once a space or tab starts it) and comments; comments take the slow path.
        if tail[0] not in " \t":
            return None
        tail = tail.lstrip()
        if tail.startswith("("):
            return None
    local = match.group(1)
    if local_part_limit and len(local) > local_part_limit:
        return None
    return match.group(0)[1:-1], tail


class FastAddresses:
    """Mixin for aiosmtpd's ``SMTP``: ordinary addresses skip its parser, the rest use it."""

    local_part_limit: int

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        found = ordinary_address(arg, self.local_part_limit)
        if found is not None:
            return found
        slow: Any = super()._getaddr  # type: ignore[misc]
        return slow(arg)
