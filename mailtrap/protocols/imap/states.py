"""The IMAP session state machine (RFC 3501 3): states, which commands each handler accepts, and
the transitions, as data. Nothing else changes the state.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import commands as c


class State(enum.Enum):
    #: Before LOGIN or AUTHENTICATE (RFC 3501 3.1).
    NOT_AUTHENTICATED = enum.auto()
    #: Logged in, no mailbox selected (RFC 3501 3.2).
    AUTHENTICATED = enum.auto()
    #: A mailbox is selected (RFC 3501 3.3).
    SELECTED = enum.auto()
    #: LOGOUT was answered; the connection closes (RFC 3501 3.4).
    LOGOUT = enum.auto()


ANY = frozenset({State.NOT_AUTHENTICATED, State.AUTHENTICATED, State.SELECTED})
NOT_AUTHENTICATED = frozenset({State.NOT_AUTHENTICATED})
AUTHENTICATED = frozenset({State.AUTHENTICATED, State.SELECTED})
SELECTED = frozenset({State.SELECTED})

#: (command type, "OK" or "NO") -> the state after it; pairs not listed keep the state.
TRANSITIONS: dict[tuple[type, str], State] = {
    (c.Login, "OK"): State.AUTHENTICATED,
    (c.Authenticate, "OK"): State.AUTHENTICATED,
    (c.Select, "OK"): State.SELECTED,
    # RFC 3501 6.3.1: a failed SELECT leaves no mailbox selected.
    (c.Select, "NO"): State.AUTHENTICATED,
    (c.Close, "OK"): State.AUTHENTICATED,
    (c.Unselect, "OK"): State.AUTHENTICATED,
    (c.Logout, "OK"): State.LOGOUT,
}


def next_state(state: State, command: object, outcome: str) -> State:
    """The state after ``command`` ended with ``outcome`` ("OK", "NO" or "BAD")."""
    return TRANSITIONS.get((type(command), outcome), state)


@dataclass(frozen=True, slots=True)
class Handler:
    """A command handler and the states it is valid in."""

    run: Callable[..., Any]
    states: frozenset[State]


#: command type -> its handler; filled by :func:`handles`.
HANDLERS: dict[type, Handler] = {}


def handles(command: type, states: frozenset[State]) -> Callable[[Callable], Callable]:
    """Register the decorated generator function as the handler of ``command`` in ``states``."""

    def register(function: Callable) -> Callable:
        HANDLERS[command] = Handler(function, states)
        return function

    return register
