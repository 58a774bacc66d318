"""LIST and LSUB patterns (RFC 3501 6.3.8): ``*`` matches anything, ``%`` anything but the
hierarchy delimiter; matched without backtracking.

A pattern is compiled once into bit masks and run over a name as a set of states (a
Shift-And simulation of its automaton): one step per octet of the name, each a few integer
operations on a pattern-long bit set, so a match costs O(len(name) * len(pattern) / 64)
whatever the wildcards are. A regular expression translated from the pattern backtracks:
``%*%*%*...`` against a long name took seconds.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations


class ListPattern:
    """One compiled pattern; :meth:`matches` says whether a whole mailbox name fits it."""

    __slots__ = ("_accept", "_delimiter", "_literal", "_percent", "_star", "_wild")

    def __init__(self, pattern: bytes, delimiter: bytes, *, ignore_case: bool = False) -> None:
        tokens = _collapse(pattern)
        self._delimiter = delimiter[0] if delimiter else -1
        self._literal: dict[int, int] = {}
        self._star = self._percent = 0
        for position, token in enumerate(tokens):
            bit = 1 << position
            if token == _STAR:
                self._star |= bit
            elif token == _PERCENT:
                self._percent |= bit
            else:
                octets = {token, *_other_case(token)} if ignore_case else {token}
                for octet in octets:
                    self._literal[octet] = self._literal.get(octet, 0) | bit
        self._wild = self._star | self._percent
        #: the state reached when the whole pattern is matched
        self._accept = 1 << len(tokens)

    def _closure(self, states: int) -> int:
        # A wildcard may match nothing: being before it is being after it as well. No two
        # wildcards are adjacent after _collapse, so one shift reaches every such state.
        return states | ((states & self._wild) << 1)

    def matches(self, name: bytes) -> bool:
        """True when ``name`` as a whole matches the pattern."""
        states = self._closure(1)
        literal, star, delimiter = self._literal, self._star, self._delimiter
        wild = self._star | self._percent
        for octet in name:
            # a literal advances on its octet; * stays on anything, % on all but the delimiter
            moved = (states & literal.get(octet, 0)) << 1
            stay = states & (star if octet == delimiter else wild)
            states = self._closure(moved | stay)
            if not states:
                return False
        return bool(states & self._accept)


_STAR = -1
_PERCENT = -2


def _collapse(pattern: bytes) -> list[int]:
    """Octets and wildcards; runs of wildcards become one (``*`` if the run holds one)."""
    tokens: list[int] = []
    for octet in pattern:
        token = _STAR if octet == 0x2A else _PERCENT if octet == 0x25 else octet
        if token < 0 and tokens and tokens[-1] < 0:
            if token == _STAR:  # "%*", "*%" and "**" match what "*" does
                tokens[-1] = _STAR
            continue
        tokens.append(token)
    return tokens


def _other_case(octet: int) -> tuple[int, ...]:
    if 0x41 <= octet <= 0x5A or 0x61 <= octet <= 0x7A:
        return (octet ^ 0x20,)
    return ()
