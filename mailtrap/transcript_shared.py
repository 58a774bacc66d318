"""Transcripts as they are kept: a template shared between messages and a few bytes each, or
one self-contained compressed blob.

Most of a transcript is the same from one message to the next: the greeting, EHLO and its
reply, and for the same envelope the MAIL, RCPT and DATA lines and their replies. A
:class:`Template` holds that text (the client's host, each part's line kinds, lines not kept,
TLS, and the lines); what only one message has is a short bytes of *values*::

    <the client's port: 2 octets, big-endian, when its address has one>
    <n> <the connection's start, µs from the template's base, zigzag: n octets, little-endian>
    <n> <µs from the opening's last line to the transaction's first, times 2, plus 1 if the
        times below are LEB128 varints: n octets, little-endian>
    <µs since the line before, for each line of the opening and the transaction's others
        (the accepting reply's, after DATA, is left out: 0): each a character in UTF-8 (a
        varint str.encode writes; surrogates pass), or, if one is over 0x10ffff µs, each an
        LEB128 varint (7 bits an octet, the lowest first)>

The queued ID in the accepting reply is no part of either: decoding is given the message ID.
A message keeps the pair (the memory store holds it in two slots, so it costs no tuple).

Each SMTP server owns a :class:`Templates` table. A text seen a second time becomes a template
(one seen once gains nothing from it) and the messages after share it by reference. The table
holds templates weakly, so a template goes with the last message that uses it, and it is
bounded (:data:`TABLE_LIMIT` templates, and as many texts remembered by their hash alone), so a
client sending new lines every time grows nothing beyond its own messages: theirs are kept
self-contained and compressed (as the SQLite store keeps every message's). Each
connection has a :class:`Connection`: its opening, and the template its last message used. A
template keeps the lists its text was recorded from, so a message recorded alike (the same
lists, after the same opening) gets the template of the connection's last message, or of the
server's, without its text being made or looked up.

The self-contained form is the text a template and values spell out, raw deflate against a
preset dictionary of common SMTP lines (format byte 2), or that text as it is (format byte 3:
what the SQLite store writes while mail arrives; its indexer compresses it later, see
:func:`compressed`). The text (read by
:func:`mailtrap.transcript.decode`) has two parts, the opening and the transaction::

    <start, µs since the epoch> <client address>
    <kinds: one letter a line, i (client) o (server) q (accepting reply)> <lines not kept> [TLS]
    <µs since the line before, comma-separated>
    <the client's lines, each ending in a line feed>
    <the server's lines, each ending in a line feed>

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import zlib
from itertools import repeat
from operator import floordiv, sub
from typing import Any, TypeAlias
from weakref import ReferenceType, ref

#: Templates a server shares at most, and texts it remembers (by hash) as seen once.
TABLE_LIMIT = 1024
FORMAT = b"\x02"  # raw deflate against DICTIONARY, below
TEXT = b"\x03"  # the text, uncompressed
DICTIONARY = (
    b"AUTH LOGIN\nAUTH PLAIN ********\n********\n334 VXNlciBOYW1lAA==\n334 UGFzc3dvcmQA\n"
    b"235 2.7.0 Authentication successful\nSTARTTLS\n220 Ready to start TLS\n"
    b"RSET\nNOOP\nQUIT\n221 Bye\n500 Error: bad syntax\n503 Error: need RCPT command\n"
    b"553 5.1.3 Error: malformed address\n552 Error: Too much mail data\n"
    b"BDAT 1024 LAST\n250 2.0.0 OK: 1024 octets received\n"
    b" BODY=8BITMIME SIZE=1024 SMTPUTF8 BODY=BINARYMIME\n TLSv1.3 TLS_AES_256_GCM_SHA384\n"
    b"1700000000000000 127.0.0.1:50000\noioooooooooo 0\n150,230,50,3,2,2,2,2,2,2,2\n"
    b"EHLO localhost\n220 localhost mailtrap 0.1.0 ESMTP\n250-localhost\n250-SIZE 26214400\n"
    b"250-8BITMIME\n250-SMTPUTF8\n250-AUTH LOGIN PLAIN\n250-PIPELINING\n250-CHUNKING\n"
    b"250-BINARYMIME\n250 HELP\nioioioiq 0\n80000,35,90,30,80,30,400,0\n"
    b"MAIL FROM:<app@example.com>\nRCPT TO:<user@example.com>\nDATA\n.\n"
    b"250 OK\n250 OK\n354 End data with <CR><LF>.<CR><LF>\n"
)
_THOUSAND = repeat(1000)

#: A part of a transcript: its line kinds, lines not kept, TLS (the opening's: none), the
#: client's lines and the server's (joined by line feeds).
Part: TypeAlias = tuple[bytes, int, "str | None", bytes, str]
#: A template's text: the client's address (less its port when ``True`` follows), the opening
#: and the transaction.
Key: TypeAlias = tuple[bytes, bool, Part, Part]


class Template:
    """The text of one or more transcripts, less what is each message's own (its text never
    changes)."""

    __slots__ = ("__weakref__", "base", "key", "lines")

    def __init__(self, key: Key, base: int) -> None:
        self.key = key
        #: µs since the epoch that its messages' starts count from
        self.base = base
        #: The opening's and the transaction's lines as a recorder held them when they needed
        #: no change, if known: a dialogue recorded alike has this text, told without making it.
        self.lines: tuple[Any, Any] | None = None

    def text(self, values: bytes) -> bytes:
        """The transcript text of the message with these values."""
        address, has_port, opening, transaction = self.key
        at = 0
        if has_port:
            address += b"%d" % int.from_bytes(values[:2], "big")
            at = 2
        numbers = []
        for _ in range(2):  # the start's offset; the transaction's first time, with a flag
            size = values[at]
            numbers.append(int.from_bytes(values[at + 1 : at + 1 + size], "little"))
            at += 1 + size
        shift, gap = numbers
        start = self.base + (shift >> 1 ^ -(shift & 1))
        if gap & 1:
            deltas = _read_varints(values[at:])
        else:
            deltas = list(map(ord, values[at:].decode("utf-8", "surrogatepass")))
        split = len(opening[0])
        deltas[split:split] = [gap >> 1]
        if len(deltas) < split + len(transaction[0]):  # the reply accepting a message's data
            deltas.append(0)  # came with the data's end
        return b"%d %s\n%s%s" % (
            start,
            address,
            _text(opening, deltas[:split]),
            _text(transaction, deltas[split:]),
        )


#: A transcript as kept: self-contained bytes, or a shared template and this message's values.
Encoded: TypeAlias = bytes | tuple[Template, bytes]


class Templates:
    """One SMTP server's shared templates (used on its event loop; templates die anywhere)."""

    __slots__ = ("_last", "_limit", "_seen", "_shared")

    def __init__(self, limit: int = TABLE_LIMIT) -> None:
        self._limit = limit
        self._shared: dict[Key, ReferenceType[Template]] = {}
        self._seen: dict[int, None] = {}  # hashes of texts seen once, oldest first
        self._last: ReferenceType[Template] | None = None

    def __len__(self) -> int:
        return len(self._shared)

    def last(self) -> Template | None:
        """The template of the last message shared here, while it lives."""
        return self._last() if self._last is not None else None

    def find(self, key: Key, start: int) -> Template | None:
        """The shared template of this text: found, or made if the text was seen once before
        and the table has room; else None (the message is to be kept self-contained)."""
        found = self._shared.get(key)
        template = found() if found is not None else None
        if template is not None:
            return template
        seen = self._seen
        marker = hash(key)
        if marker not in seen:
            if len(seen) >= self._limit:
                del seen[next(iter(seen))]
            seen[marker] = None
            return None
        del seen[marker]
        shared = self._shared
        if len(shared) >= self._limit:
            return None
        template = Template(key, start)

        def forget(reference: ReferenceType[Template]) -> None:  # (in any thread)
            if shared.get(key) is reference:
                shared.pop(key, None)

        shared[key] = ref(template, forget)
        return template


class Connection:
    """What the transcripts of one connection's messages share: the client's address, the
    start, the opening and its times; and the template the last message used."""

    __slots__ = (
        "_address",
        "_characters",
        "_opening_lines",
        "_port",
        "_prefix",
        "_start",
        "_table",
        "_template",
        "_times",
    )

    def __init__(
        self,
        table: Templates | None,
        address: tuple[bytes, bool],
        port: bytes,
        start: int,
        opening: Part,
        lines: Any,
        times: list[int],
    ) -> None:
        """``address``: the client's, less the port, and whether one follows; ``port``: 2
        octets, or none; ``start``: µs since the epoch; ``lines``: the opening's, as recorded,
        or None if they needed a change; ``times``: the start and the opening's lines' (ns,
        monotonic)."""
        self._table = table
        self._address = (*address, opening)
        self._opening_lines = lines
        self._port = port
        self._start = start
        self._times = times
        try:
            self._characters: str | None = "".join(map(chr, _deltas(times)))
        except ValueError:  # a pause of more than a second
            self._characters = None
        self._template: Template | None = None
        self._prefix = b""  # the values' start, for that template

    def again(self, lines: Any, times: list[int], end: int) -> Encoded | None:
        """The transcript of a message whose transaction was recorded as ``lines`` (and needed
        no change), if the last message here, or the server's last after the same opening, was
        recorded alike: then it has that one's text. ``times``: the transaction's, and ``end``
        the time of its last line (ns, monotonic). None if not."""
        template = self._template
        if template is None or template.lines is None or template.lines[1] != lines:
            template = self._table.last() if self._table is not None else None
            if (
                template is None
                or template.lines is None
                or template.lines[1] != lines
                or template.key[:3] != self._address
            ):
                return None
            self._use(template)
        times.append(end)
        # (_values, written out: this runs for most messages)
        gap = (times[0] - self._times[-1]) // 1000 << 1
        try:
            characters = map(chr, map(floordiv, map(sub, times[1:], times), _THOUSAND))
            deltas = (self._characters + "".join(characters)).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            return template, self._values(times, self._prefix)
        size = (gap.bit_length() + 7) >> 3
        return template, b"%s%c%s%s" % (self._prefix, size, gap.to_bytes(size, "little"), deltas)

    def encode(self, transaction: Part, times: list[int], lines: Any = None) -> Encoded:
        """A message's transcript: its transaction, and that part's times (ns, monotonic);
        ``lines``: the transaction as recorded, if it needed no change."""
        key = (*self._address, transaction)
        start = self._start
        template = self._table.find(key, start) if self._table is not None else None
        if template is None:
            self._template = None
            return _compress(Template(key, start).text(self._values(times, b"%s\0" % self._port)))
        if template.lines is None and lines is not None and self._opening_lines is not None:
            template.lines = (self._opening_lines, lines)
        if template is not self._template:
            self._use(template)
        return template, self._values(times, self._prefix)

    def _use(self, template: Template) -> None:
        """From now on, the connection's messages share ``template`` (until one does not)."""
        self._template = template
        shift = self._start - template.base
        shift = shift << 1 if shift >= 0 else (-shift << 1) - 1  # zigzag
        size = (shift.bit_length() + 7) >> 3
        self._prefix = b"%s%c%s" % (self._port, size, shift.to_bytes(size, "little"))
        if self._table is not None:
            self._table._last = ref(template)

    def _values(self, times: list[int], prefix: bytes) -> bytes:
        gap = (times[0] - self._times[-1]) // 1000 << 1
        try:  # a character a time (see the module's docstring); None: the opening's are not
            characters = map(chr, map(floordiv, map(sub, times[1:], times), _THOUSAND))
            deltas = (self._characters + "".join(characters)).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            deltas = _varints([*_deltas(self._times), *_deltas(times)])
            gap |= 1
        size = (gap.bit_length() + 7) >> 3
        return b"%s%c%s%s" % (prefix, size, gap.to_bytes(size, "little"), deltas)


def uncompressed(encoded: Encoded | None) -> bytes | None:
    """A self-contained form made without compressing a new text (no zlib call: each lets go
    of the GIL, and taking it back behind a busy event loop costs more than the compression)."""
    if encoded is None or isinstance(encoded, bytes):
        return encoded
    template, values = encoded
    return TEXT + template.text(values)


def compressed(encoded: bytes | None) -> bytes | None:
    """``encoded`` (a self-contained form) compressed, if it is not already."""
    if encoded is None or encoded[:1] != TEXT:
        return encoded
    return _compress(encoded[1:])


def text_of(encoded: Encoded) -> bytes:
    """The text of a transcript in any form; ValueError or zlib.error if damaged."""
    if isinstance(encoded, tuple):
        template, values = encoded
        return template.text(values)
    if encoded[:1] == TEXT:
        return encoded[1:]
    if encoded[:1] != FORMAT:
        raise ValueError("unknown transcript format")
    return zlib.decompressobj(-15, DICTIONARY).decompress(encoded[1:])


def _compress(text: bytes) -> bytes:
    compressor = _PRIMED.copy()  # the dictionary is read once, not once a message
    return FORMAT + compressor.compress(text) + compressor.flush()


# A 2 KiB window and a small state: transcripts are short. Fixed Huffman codes suit blocks this
# small: the output is smaller than with dynamic ones. Only ever copied, never used itself.
_PRIMED = zlib.compressobj(6, zlib.DEFLATED, -11, 1, zlib.Z_FIXED, DICTIONARY)


def _deltas(times: list[int]) -> map[int]:
    """µs from each time (ns) to the next."""
    return map(floordiv, map(sub, times[1:], times), _THOUSAND)


def _varints(numbers: list[int]) -> bytes:
    out = bytearray()
    for number in numbers:
        rest = number
        while rest > 127:
            out.append(rest & 127 | 128)
            rest >>= 7
        out.append(rest)
    return bytes(out)


def _read_varints(data: bytes) -> list[int]:
    numbers: list[int] = []
    value = shift = 0
    for octet in data:
        value |= (octet & 127) << shift
        if octet & 128:
            shift += 7
        else:
            numbers.append(value)
            value = shift = 0
    return numbers


def _text(part: Part, deltas: list[int]) -> bytes:
    """One part of the text: its head, times and lines."""
    kinds, omitted, tls, client, server = part
    extra = b" " + tls.encode() if tls else b""
    replies = server.encode("utf-8", "surrogateescape") + b"\n" if b"o" in kinds else b""
    times = b",".join([b"%d" % delta for delta in deltas])
    return b"%s %d%s\n%s\n%s%s" % (kinds, omitted, extra, times, client, replies)
