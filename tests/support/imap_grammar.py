"""A strict checker of IMAP server output, generated from the RFCs' ABNF (tests/support/imap.abnf).

The grammar is RFC 3501 section 9 plus the extensions our server answers with, transcribed
into ``imap.abnf`` and loaded with the PyPI ``abnf`` package: it is not written from our
formatter. :class:`ResponseStream` cuts a server's output into responses the way a client
reads it (a line; after a line that ends in ``{n}``, n octets and the rest of the line) and
checks each one: the first against ``greeting``, every later one against ``continue-req /
response-data / response-done``. :class:`ResponseSpy` watches every ``ImapConnection`` of the
test process at its ``data_to_send()`` boundary (and the connection-limit refusal the server
writes itself), so the engine tests and the end-to-end tests with real clients are checked
alike; tests/imap/conftest.py installs it for every IMAP test and checks after each test.
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from abnf import ParseError, Rule
from abnf.parser import LiteralNode, Match

GRAMMAR = Path(__file__).with_name("imap.abnf")
_LITERAL_MARK = re.compile(rb"\{([0-9]+)\}\Z")
_LITERAL_HEAD = re.compile(r"\{([0-9]+)\}\r\n")
#: The furthest offset any rule of imap.abnf reached in the current parse (the core rules of
#: RFC 5234, SP among them, belong to the abnf package and are not counted): how far a failed
#: parse got.
_furthest: ContextVar[list[int] | None] = ContextVar("_furthest", default=None)


class ImapGrammar(Rule):
    """The rules of imap.abnf (``ImapGrammar("greeting")``, ...)."""

    def lparse(self, source: str, start: int) -> Iterator[Match]:
        furthest = _furthest.get()
        for match in super().lparse(source, start):
            if furthest is not None and match.start > furthest[0]:
                furthest[0] = match.start
            yield match


class _CountedLiteral:
    """RFC 3501 9 ``literal = "{" number "}" CRLF *CHAR8`` with its comment made true: "Number
    represents the number of CHAR8s" (no NUL among them)."""

    def lparse(self, source: str, start: int) -> Iterator[Match]:
        head = _LITERAL_HEAD.match(source, start)
        if head is None:
            raise ParseError(self, start)
        end = head.end() + int(head.group(1))
        if end > len(source) or "\x00" in source[head.end() : end]:
            raise ParseError(self, start)
        yield Match([LiteralNode(source[start:end], start, end - start)], end)

    def __str__(self) -> str:
        return "CountedLiteral"


ImapGrammar.from_file(GRAMMAR)
ImapGrammar("literal").definition = _CountedLiteral()


class GrammarError(AssertionError):
    """Server output that does not match the grammar."""


def _show(response: bytes, at: int, context: int = 240) -> str:
    """The response around ``at``, and a caret under it: how far the grammar got."""
    start, end = max(0, at - context), at + context
    lead = "..." if start else ""
    before = lead + repr(response[start:at])[2:-1]
    after = repr(response[at:end])[2:-1] + ("..." if end < len(response) else "")
    return f"  {before}{after}\n  {' ' * len(before)}^ (octet {at})"


def _stuck_at(response: bytes, rule: str) -> int | None:
    """None when ``response`` matches ``rule``, else the furthest octet the grammar reached."""
    furthest = [0]
    token = _furthest.set(furthest)
    try:
        ImapGrammar(rule).parse_all(response.decode("latin-1"))  # one code point per octet
    except ParseError:
        return furthest[0]
    finally:
        _furthest.reset(token)
    return None


#: Most responses repeat (greetings, SELECT's lines): short ones are parsed once.
_stuck_at_short = lru_cache(maxsize=8192)(_stuck_at)
SHORT = 4096


def check(response: bytes, rule: str = "server-response") -> None:
    """Raise :class:`GrammarError` unless ``response`` (one whole response, CRLF included)
    matches ``rule`` of imap.abnf."""
    at = (_stuck_at_short if len(response) <= SHORT else _stuck_at)(response, rule)
    if at is not None:
        raise GrammarError(f"not an RFC 3501 {rule}:\n{_show(response, at)}")


def split_responses(data: bytes) -> tuple[list[bytes], bytes]:
    """The whole responses at the start of ``data`` and what is left (an incomplete one)."""
    found: list[bytes] = []
    start = position = 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            break
        mark = _LITERAL_MARK.search(data, position, end)
        if mark is not None:  # RFC 3501 4.3: n octets follow the CRLF, then the line goes on
            position = end + 2 + int(mark.group(1))
            if position > len(data):
                break
            continue
        found.append(data[start : end + 2])
        start = position = end + 2
    return found, data[start:]


class ResponseStream:
    """One connection's server output, checked response by response as it arrives."""

    def __init__(self, name: str = "connection") -> None:
        self.name = name
        self._pending = b""
        self._greeted = False
        self.responses = 0
        self.errors: list[str] = []

    def feed(self, data: bytes) -> None:
        """Take more output; check every response it completes."""
        found, self._pending = split_responses(self._pending + data)
        for response in found:
            rule = "server-response" if self._greeted else "greeting"
            self._greeted = True
            self.responses += 1
            try:
                check(response, rule)
            except GrammarError as error:
                self.errors.append(f"{self.name}, response {self.responses}: {error}")

    @property
    def pending(self) -> bytes:
        """Output not yet complete enough to check."""
        return self._pending


class _Refused:
    """Stands for a connection refused at the limit, whose only output is a BYE greeting."""


class ResponseSpy:
    """Checks the output of every IMAP connection in this process (see the module docstring).

    The spy only records bytes where the server produces them (on the server's thread); the
    grammar runs in :meth:`check`, on the test's thread, so the event loop is never held.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chunks: list[tuple[int, bytes]] = []
        self._streams: dict[int, ResponseStream] = {}
        self._ids: weakref.WeakKeyDictionary[object, int] = weakref.WeakKeyDictionary()
        self._undo: list[Callable[[], None]] = []

    @property
    def responses(self) -> int:
        """How many responses were checked so far, on every connection."""
        with self._lock:
            streams = list(self._streams.values())
        return sum(stream.responses for stream in streams)

    def record(self, connection: object, data: bytes) -> None:
        with self._lock:
            number = self._ids.get(connection)
            if number is None:
                number = self._ids[connection] = len(self._streams) + 1
                self._streams[number] = ResponseStream(f"IMAP connection #{number}")
            self._chunks.append((number, data))

    def install(self) -> None:
        """Watch ``ImapConnection.data_to_send`` and ``ImapServer.too_many_connections``."""
        from mailtrap.protocols.imap.connection import ImapConnection
        from mailtrap.servers.imap import ImapServer

        spy = self
        sent = ImapConnection.data_to_send
        refusal = ImapServer.too_many_connections

        def data_to_send(connection: ImapConnection, *args: object, **kwargs: object) -> bytes:
            data = sent(connection, *args, **kwargs)
            if data:
                spy.record(connection, data)
            return data

        def too_many_connections(server: ImapServer) -> bytes:
            data = refusal(server)
            spy.record(_Refused(), data)  # a connection of its own: just this greeting
            return data

        ImapConnection.data_to_send = data_to_send  # type: ignore[method-assign]
        ImapServer.too_many_connections = too_many_connections  # type: ignore[method-assign]

        def undo() -> None:
            ImapConnection.data_to_send = sent  # type: ignore[method-assign]
            ImapServer.too_many_connections = refusal  # type: ignore[method-assign]

        self._undo.append(undo)

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()

    def check(self) -> None:
        """Check everything recorded since the last call; raise on the first bad responses."""
        with self._lock:
            chunks, self._chunks = self._chunks, []
        errors: list[str] = []
        for number, data in chunks:
            stream = self._streams[number]
            before = len(stream.errors)
            stream.feed(data)
            errors += stream.errors[before:]
        if errors:
            raise GrammarError(
                "IMAP server output breaks the RFC 3501 section 9 grammar "
                "(tests/support/imap.abnf):\n" + "\n".join(errors)
            )
