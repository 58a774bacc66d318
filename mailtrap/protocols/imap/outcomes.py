"""How a command handler ends: normally (:class:`Done`), with NO or BAD, or waiting for a line.

Handlers are generators that yield untagged response bytes and return a :class:`Done` (or None
for a plain ``OK``); they raise :class:`No` or :class:`Bad` for failures. The session maps these
to the tagged response in one place.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

from .format import Value


@dataclass(frozen=True, slots=True)
class Done:
    """The tagged OK: its text and optional response code."""

    text: str = "done"
    code: Value = None


@dataclass(frozen=True, slots=True)
class Suspend:
    """The command waits for a client line (IDLE's DONE, a SASL response); ``resume`` gets it."""

    resume: Callable[[bytes], Generator[bytes, None, Done | None]]


class No(Exception):
    """A semantic failure: ``tag NO [code] text`` (RFC 3501 7.1.2)."""

    def __init__(self, text: str, code: Value = None) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


class Bad(Exception):
    """A protocol-level error the parser could not see: ``tag BAD [code] text`` (RFC 3501 7.1.3)."""

    def __init__(self, text: str, code: Value = None) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


Outcome = Generator[bytes, None, "Done | Suspend | None"]
