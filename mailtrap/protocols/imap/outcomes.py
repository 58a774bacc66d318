"""How a command handler ends: normally (:class:`Done`), with NO or BAD, or waiting (for a line,
a login check, or a store read done off the loop).

Handlers are generators that yield untagged response bytes and return a :class:`Done` (or None
for a plain ``OK``); they raise :class:`No` or :class:`Bad` for failures. The session maps these
to the tagged response in one place. A handler whose work grows with the mailbox yields
:data:`PAUSE` when :class:`Slices` says so, so the server can serve other clients before it goes on.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ...auth import Check, Login
from .format import Value

if TYPE_CHECKING:
    from ...priority import WritesFirst

#: Yielded by a handler between slices of long work: nothing to send, the rest comes later.
PAUSE = b""
#: How long a handler works before it pauses (the event loop is shared by every client).
SLICE = 0.005


class Slices:
    """Tells a long loop when its slice of time is up: ``if slices.due(): yield PAUSE``; with
    ``writes_first`` (a database's), also as soon as a delivery is in flight, which the server
    then lets go first (:mod:`mailtrap.priority`)."""

    def __init__(self, writes_first: WritesFirst | None = None) -> None:
        self._deadline = time.monotonic() + SLICE
        self._writes_first = writes_first

    def due(self) -> bool:
        now = time.monotonic()
        first = self._writes_first
        if now < self._deadline and (first is None or not first.busy):
            return False
        self._deadline = now + SLICE
        return True


T = TypeVar("T")
#: How many messages one store call of a sliced command handles.
BATCH = 1000


def batches(items: Sequence[T], size: int = BATCH) -> Iterator[Sequence[T]]:
    """``items`` in runs of ``size``: the store calls between which a handler may pause."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass(frozen=True, slots=True)
class Done:
    """The tagged OK: its text and optional response code."""

    text: str = "done"
    code: Value = None


@dataclass(frozen=True, slots=True)
class Suspend:
    """The command waits for a client line (IDLE's DONE, a SASL response); ``resume`` gets it."""

    resume: Callable[[bytes], Generator[bytes, None, Done | None]]


@dataclass(frozen=True, slots=True)
class Verify:
    """The command waits for the server to check a login (LOGIN, AUTHENTICATE); ``resume``
    gets the verdict: the :class:`~mailtrap.auth.Login`, or None when it failed."""

    check: Check
    resume: Callable[[Login | None], Generator[bytes, None, Done | None]]


@dataclass(frozen=True, slots=True)
class Load:
    """The command waits for the server to run ``load`` off the event loop (a store read that
    grows with the mailbox, for a backend whose reads wait on a disk); ``resume`` gets what it
    returned. Store events that arrive meanwhile are held for the command (:meth:`~.session.
    Session.held`)."""

    load: Callable[[], object]
    resume: Callable[[object], Generator[bytes, None, Done | None]]


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


Outcome = Generator[bytes, None, "Done | Suspend | Verify | Load | None"]
