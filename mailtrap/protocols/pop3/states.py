"""The POP3 state machine as data: its states, the events that move it, which commands each
state takes and where each event leads (RFC 1939 sections 3-6, RFC 2449 section 5).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import enum

from .commands import (
    Apop,
    Auth,
    Capa,
    Dele,
    List,
    Noop,
    Pass,
    Quit,
    Retr,
    Rset,
    Stat,
    Stls,
    Top,
    Uidl,
    User,
)


class State(enum.Enum):
    #: Before login: USER/PASS, APOP, AUTH, STLS, CAPA, QUIT.
    AUTHORIZATION = "AUTHORIZATION"
    #: Logged in, the maildrop locked: the message commands.
    TRANSACTION = "TRANSACTION"
    #: After QUIT from TRANSACTION, while deletions are applied.
    UPDATE = "UPDATE"
    #: Nothing more is read; the connection is to be closed.
    CLOSED = "CLOSED"


class Trigger(enum.Enum):
    LOGIN = enum.auto()
    QUIT = enum.auto()
    UPDATED = enum.auto()
    DROPPED = enum.auto()


AUTH_ONLY = frozenset({State.AUTHORIZATION})
TRANSACTION_ONLY = frozenset({State.TRANSACTION})
BOTH = AUTH_ONLY | TRANSACTION_ONLY

#: Command type -> the states it is valid in (RFC 1939 sections 4-7, RFC 2449 section 5).
VALID_IN: dict[type, frozenset[State]] = {
    User: AUTH_ONLY,
    Pass: AUTH_ONLY,
    Apop: AUTH_ONLY,
    Auth: AUTH_ONLY,
    Stls: AUTH_ONLY,
    Capa: BOTH,
    Quit: BOTH,
    Stat: TRANSACTION_ONLY,
    List: TRANSACTION_ONLY,
    Uidl: TRANSACTION_ONLY,
    Retr: TRANSACTION_ONLY,
    Top: TRANSACTION_ONLY,
    Dele: TRANSACTION_ONLY,
    Noop: TRANSACTION_ONLY,
    Rset: TRANSACTION_ONLY,
}

#: (state, trigger) -> next state. DROPPED leads to CLOSED from anywhere; the rest is invalid.
TRANSITIONS: dict[tuple[State, Trigger], State] = {
    (State.AUTHORIZATION, Trigger.LOGIN): State.TRANSACTION,
    (State.AUTHORIZATION, Trigger.QUIT): State.CLOSED,
    (State.TRANSACTION, Trigger.QUIT): State.UPDATE,
    (State.UPDATE, Trigger.UPDATED): State.CLOSED,
}
