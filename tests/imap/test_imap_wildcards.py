"""LIST patterns (RFC 3501 6.3.8): the matcher against a regular-expression oracle, and the
pattern that made the old backtracking matcher run for minutes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailtrap.protocols.imap.wildcards import ListPattern


def oracle(pattern: bytes, name: bytes, ignore_case: bool = False) -> bool:
    """The obvious translation to a regular expression (fine for short inputs only)."""
    parts = []
    for piece in re.split(rb"([*%])", pattern):
        parts.append(b".*" if piece == b"*" else b"[^/]*" if piece == b"%" else re.escape(piece))
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.fullmatch(b"".join(parts), name, flags) is not None


CASES = [
    (b"*", b"", True),
    (b"*", b"a/b/c", True),
    (b"%", b"a/b", False),
    (b"%", b"abc", True),
    (b"a/%", b"a/b", True),
    (b"a/%", b"a/b/c", False),
    (b"a/*", b"a/b/c", True),
    (b"INBOX", b"INBOX", True),
    (b"INBOX", b"INBOXX", False),
    (b"%/%", b"a/b", True),
    (b"%%*%", b"a/b", True),
    (b"%%", b"a/b", False),
    (b"a*b", b"axxb", True),
    (b"a*b", b"axxbc", False),
    (b"", b"", True),
    (b"", b"a", False),
]


@pytest.mark.parametrize(("pattern", "name", "expected"), CASES)
def test_cases(pattern, name, expected):
    assert ListPattern(pattern, b"/").matches(name) is expected
    assert oracle(pattern, name) is expected


def test_inbox_case_is_ignored_only_when_asked():
    assert ListPattern(b"inbox", b"/", ignore_case=True).matches(b"INBOX")
    assert ListPattern(b"In%", b"/", ignore_case=True).matches(b"INBOX")
    assert not ListPattern(b"inbox", b"/").matches(b"INBOX")


names = st.binary(max_size=12).map(lambda b: bytes(b"ab/*%"[x % 5] for x in b))
patterns = st.binary(max_size=10).map(lambda b: bytes(b"ab/*%A"[x % 6] for x in b))


@given(patterns, names, st.booleans())
def test_agrees_with_the_regular_expression(pattern, name, ignore_case):
    matcher = ListPattern(pattern, b"/", ignore_case=ignore_case)
    assert matcher.matches(name) is oracle(pattern, name, ignore_case)


def test_the_backtracking_pattern_is_linear():
    # Finding 1 of issue 17: "%*%*...%*I" (61 octets: 0.7 s, 81: 3.6 s, ~100: minutes).
    pattern = b"%*" * 5000 + b"I"
    name = b"x" * 1000
    assert not ListPattern(pattern, b"/").matches(name)
    assert ListPattern(pattern, b"/").matches(name + b"I")
