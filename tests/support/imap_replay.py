"""Replays an example exchange from an RFC against the engine and compares what comes back.

A script is the RFC's text: ``C:`` lines are sent as they stand, each ended with CRLF (a
literal is the lines after its ``{n}``, as in the RFCs), and ``S:`` lines are the responses
that must come back: numbered, continuation and tagged responses in order, the others (FLAGS,
LIST, untagged OK, ...) in any order within one command's answer, as RFC 3501 does not order
them. The comparison is by meaning where the RFCs leave servers free:
the human-readable text of a status response is not compared (the tag, the status and the
response code are); a response code the example has none of may be added (RFC 4315's, RFC
5530's); flag lists, LIST attributes and STATUS items are sets; LIST may add the child
attributes of RFC 3348 and leave out \\Marked and \\Unmarked (RFC 3501 7.2.2); an example FETCH
of ``....`` matches any data for that message, and one that names items matches a response
that has at least those items with those values.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from imap_grammar import split_responses

_STATUS = re.compile(rb"(\S+) (OK|NO|BAD|BYE|PREAUTH)(?: \[([^\]]*)\])?(?: .*)?\Z", re.DOTALL)
_LIST = re.compile(rb"\* (LIST|LSUB) \(([^)]*)\) (\S+) (.+)\Z", re.DOTALL)
_FETCH = re.compile(rb"\* (\d+) FETCH \((.*)\)\Z", re.DOTALL)
_STATUS_DATA = re.compile(rb"\* STATUS (.+) \(([^)]*)\)\Z")
_FLAGS_ITEM = re.compile(rb"FLAGS \(([^)]*)\)")
_NUMBER_ITEM = re.compile(rb"(UID|RFC822\.SIZE) (\d+)")
_OPTIONAL_LIST_ATTRIBUTES = {b"\\haschildren", b"\\hasnochildren"}
_UNKNOWABLE_LIST_ATTRIBUTES = {b"\\marked", b"\\unmarked"}


def _words(text: bytes) -> set[bytes]:
    return {word.lower() for word in text.split()}


def _pairs(text: bytes) -> dict[bytes, bytes]:
    words = text.split()
    return dict(zip(words[::2], words[1::2], strict=True))


def matches(expected: bytes, actual: bytes) -> bool:
    """True when ``actual`` is the response ``expected`` stands for (see the module doc)."""
    expected, actual = expected.rstrip(b"\r\n"), actual.rstrip(b"\r\n")
    if expected == actual:
        return True
    if expected.startswith(b"+") and actual.startswith(b"+"):
        return True  # a continuation request's text is the server's own
    want, got = _STATUS.fullmatch(expected), _STATUS.fullmatch(actual)
    if want and got:
        return want.group(1, 2) == got.group(1, 2) and want[3] in (None, got[3])
    want, got = _LIST.fullmatch(expected), _LIST.fullmatch(actual)
    if want and got:
        wanted = _words(want[2]) - _UNKNOWABLE_LIST_ATTRIBUTES
        extra = _words(got[2]) - wanted
        same = want.group(1, 3, 4) == got.group(1, 3, 4)
        return same and wanted <= _words(got[2]) and extra <= _OPTIONAL_LIST_ATTRIBUTES
    want, got = _STATUS_DATA.fullmatch(expected), _STATUS_DATA.fullmatch(actual)
    if want and got:
        return want[1] == got[1] and _pairs(want[2]) == _pairs(got[2])
    if expected.startswith(b"* FLAGS (") and actual.startswith(b"* FLAGS ("):
        return _words(expected[9:-1]) == _words(actual[9:-1])
    if expected.endswith(b" FETCH ...."):  # the example leaves the data out
        return actual.startswith(expected[:-4] + b"(")
    want, got = _FETCH.fullmatch(expected), _FETCH.fullmatch(actual)
    if want and got:
        if want[1] != got[1]:
            return False
        flags = _FLAGS_ITEM.search(want[2])
        if flags and _words(flags[1]) != _words((_FLAGS_ITEM.search(got[2]) or [b"", b""])[1]):
            return False
        return (
            dict(_NUMBER_ITEM.findall(want[2])).items()
            <= dict(_NUMBER_ITEM.findall(got[2])).items()
        )
    return False


def steps(script: str) -> list[tuple[str, bytes]]:
    """The ``C:``/``S:`` lines of an RFC example, in order."""
    found = []
    for line in script.strip("\n").splitlines():
        text = line.strip()
        if text.startswith(("C:", "S:")):
            found.append((text[0], line.split(":", 1)[1].removeprefix(" ").encode()))
    return found


def _ordered(response: bytes) -> bool:
    """Responses whose order means something: numbered ones (EXISTS, EXPUNGE, FETCH, ...),
    continuation requests and tagged ones. Others (FLAGS, LIST, untagged OK ...) may come in
    any order within one command's answer."""
    words = response.split(b" ", 2)
    return words[0] != b"*" or (len(words) > 1 and words[1].isdigit())


def _match_block(expected: list[bytes], actual: list[bytes]) -> None:
    ordered = [r for r in actual if _ordered(r)]
    unordered = [r for r in actual if not _ordered(r)]
    want_ordered = [e for e in expected if _ordered(e)]
    assert len(want_ordered) == len(ordered), f"expected {want_ordered}\n     got {ordered}"
    for want, got in zip(want_ordered, ordered, strict=True):
        assert matches(want, got), f"expected {want!r}\n     got {got!r}"
    for want in (e for e in expected if not _ordered(e)):
        found = next((r for r in unordered if matches(want, r)), None)
        assert found is not None, f"expected {want!r}\n among {unordered}"
        unordered.remove(found)
    assert not unordered, f"more came back than the example shows: {unordered}"


def replay(
    client, script: str, *, ignore: Callable[[bytes], bool] = lambda response: False
) -> list[bytes]:
    """Send the ``C:`` lines to an engine client and check each run of ``S:`` lines against
    everything that came back before it; ``ignore`` names responses the example's server
    would not have sent (folders its account does not have). Returns every response."""
    pending: list[bytes] = []
    everything: list[bytes] = []
    expected: list[bytes] = []
    buffer = b""
    for kind, text in [*steps(script), ("C", None)]:
        if kind == "S":
            expected.append(text)
            continue
        if expected:
            _match_block(expected, pending)
            expected, pending = [], []
        if text is not None:
            buffer += client.send(text + b"\r\n")
            found, buffer = split_responses(buffer)
            everything += found
            pending += [r for r in found if not ignore(r)]
    assert not pending and not buffer, f"more came back than the example shows: {pending}"
    return everything
