"""DATA read up to each ".<CRLF>" (servers/smtp.py ``DataReader``) stores what aiosmtpd's own
line-at-a-time DATA stores and answers as it does.

Over the wire: a corpus of message streams (dot-stuffing, lines ending in dots, bare CR and LF,
sizes at the limit, commands pipelined after the data) sent to our server and to a bare aiosmtpd
server, whole, a byte a write, and in seeded random pieces. Without sockets: the reader fed from
an asyncio stream reader in chosen pieces, with pieces of a few octets (so the end of the data,
and a stuffed dot, fall across every boundary a read can have), against aiosmtpd's reading
written out line by line, and what it leaves unread (pipelined commands).
"""

from __future__ import annotations

import asyncio
import random
import socket

from aiosmtpd.smtp import SMTP

from mailtrap.servers.smtp import DataReader, SmtpServer
from mailtrap.store import MemoryStore

LIMIT = 300  # the size limit of both servers

#: What the client sends after DATA's 354, through the line "." (and sometimes beyond it).
STREAMS = [
    b".\r\n",
    b"a\r\n.\r\n",
    b"Subject: hi\r\n\r\nbody\r\n.\r\n",
    b"..\r\n.x\r\n..y\r\n...\r\n.\r\n",
    b"The end.\r\nNext line.\r\n.\r\n",
    b"a\nb\n.\nc\r\n.\r\n",
    b"a\r\n.\n.\r\n.\r\n",
    b"a\r.\r\n.\r\n",
    b"x\r\r\n.\r\n",
    b"\r\n.\r\n",
    b".\r\r\n.\r\n",
    b"a.\r\n..\r\n.\r\n",
    b"a\r\n. \r\n.\r\n",
    b"x" * (LIMIT - 2) + b"\r\n.\r\n",  # exactly the limit
    b"x" * (LIMIT - 1) + b"\r\n.\r\n",  # one over
    b"." + b"x" * (LIMIT - 3) + b"\r\n.\r\n",  # the stuffing dot counts
    (b"y" * 40 + b".\r\n") * 20 + b".\r\n",  # over, in many pieces
    b"a\r\n.\r\nNOOP\r\n",  # a command pipelined after the data
]

#: Streams in the writes given: past a piece's size (64 KiB) a piece is read without
#: its end, so the end (or what only looks like it) may come split across two reads.
LONG = (b"z" * 98 + b"\r\n") * 700 + b"z"  # more than a piece, in lines aiosmtpd takes
SPLIT = [
    [LONG + b"\r\n.", b"\r\n"],
    [LONG + b"\r", b"\n.\r\n"],
    [LONG + b"x.\r", b"\n", b"more\r\n.\r\n"],  # "zx.": no end
    [LONG + b"\n.", b"\r\n", b"\r\n.\r\n"],  # a bare LF before the dot: no end
]


def _random_streams(count: int) -> list[bytes]:
    rng = random.Random(5321)
    streams = []
    for _ in range(count):
        lines = [
            bytes(rng.choice(b"ab. \r\n") for _ in range(rng.randrange(0, 12)))
            for _ in range(rng.randrange(0, 8))
        ]
        stream = b"\r\n".join(lines)
        if stream:
            stream += b"\r\n"
        if b"\r\n.\r\n" not in b"\r\n" + stream:  # the end comes last
            streams.append(stream + b".\r\n")
    return streams


def _pieces(stream: bytes, how: str, rng: random.Random) -> list[bytes]:
    if how == "whole":
        return [stream]
    if how == "bytes":
        return [stream[i : i + 1] for i in range(len(stream))]
    cuts = sorted(rng.sample(range(1, len(stream)), min(len(stream) - 1, 4)))
    return [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]


async def _send(port: int, streams: list[tuple[bytes, list[bytes]]]) -> list[list[bytes]]:
    """Each stream in its own transaction on one connection; the reply codes of each (to the end
    of the data, and to what was pipelined after it)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def reply() -> bytes:
        while True:
            line = await asyncio.wait_for(reader.readline(), 5)
            assert line, "the server hung up"
            if line[3:4] != b"-":
                return line[:3]

    async def say(line: bytes) -> bytes:
        writer.write(line + b"\r\n")
        return await reply()

    await reply()
    assert await say(b"EHLO client.example") == b"250"
    codes = []
    for stream, pieces in streams:
        assert await say(b"MAIL FROM:<app@example.com>") == b"250"
        assert await say(b"RCPT TO:<alice@example.com>") == b"250"
        assert await say(b"DATA") == b"354"
        for piece in pieces:
            writer.write(piece)
            await writer.drain()
            if len(pieces) > 1:
                await asyncio.sleep(0.001)  # a write of its own reaches the server apart
        codes.append([await reply() for _ in range(1 + stream.endswith(b"NOOP\r\n"))])
    assert await say(b"QUIT") == b"221"
    writer.close()
    await writer.wait_closed()
    return codes


async def _both(streams: list[tuple[bytes, list[bytes]]]):
    loop = asyncio.get_running_loop()
    kept: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):
            kept.append(envelope.original_content)
            return "250 OK"

    store = MemoryStore()
    ours = SmtpServer(store, hostname="localhost", max_size=LIMIT, timeout=5, max_connections=5)
    sock = socket.create_server(("127.0.0.1", 0))
    await ours.start(sock)
    bare = await loop.create_server(
        lambda: SMTP(
            Keep(), hostname="localhost", data_size_limit=LIMIT, enable_SMTPUTF8=True, loop=loop
        ),
        "127.0.0.1",
        0,
    )
    try:
        our_codes = await _send(sock.getsockname()[1], streams)
        their_codes = await _send(bare.sockets[0].getsockname()[1], streams)
    finally:
        await ours.stop()
        bare.close()
        await bare.wait_closed()
    return (our_codes, [store.raw(m.id) for m in store.messages()]), (their_codes, kept)


def _compare(streams: list[bytes], how: str) -> None:
    rng = random.Random(f"{how}:{len(streams)}")
    sent = [(stream, _pieces(stream, how, rng)) for stream in streams]
    ours, theirs = asyncio.run(asyncio.wait_for(_both(sent), 60))
    assert ours == theirs


def test_whole_streams_are_read_as_aiosmtpd_reads_them():
    _compare(STREAMS + _random_streams(200), "whole")


def test_a_byte_a_write():
    _compare([s for s in STREAMS if len(s) < 100] + _random_streams(25), "bytes")


def test_random_pieces():
    _compare(STREAMS + _random_streams(200), "pieces")


def test_an_end_split_across_reads_past_the_limit():
    sent = [(b"".join(pieces), pieces) for pieces in SPLIT]
    ours, theirs = asyncio.run(asyncio.wait_for(_both(sent), 60))
    assert ours == theirs
    assert ours[0] == [[b"552"]] * len(SPLIT)


def test_the_corpus_covers_what_it_should():
    _, (codes, kept) = asyncio.run(asyncio.wait_for(_both([(s, [s]) for s in STREAMS]), 60))
    assert [b"552"] in codes and [b"250"] in codes and [b"250", b"250"] in codes
    assert b"" in kept and b".\r\nx\r\n.y\r\n..\r\n" in kept


# -- without sockets: the reader on a stream reader fed in chosen pieces ----------------------


def aiosmtpd_reads(stream: bytes) -> tuple[bytes, bytes]:
    """aiosmtpd's DATA, line by line: the message (less each line's first dot) and what is
    left after the line "."."""
    lines = []
    while True:
        end = stream.index(b"\r\n") + 2
        line, stream = stream[:end], stream[end:]
        if line == b".\r\n":
            return b"".join(lines), stream
        lines.append(line[1:] if line.startswith(b".") else line)


class Reader(DataReader):
    def __init__(self, piece: int, limit: int = 0) -> None:
        self.data_piece = piece
        self.data_size_limit = limit


async def _read(writes: list[bytes], piece: int, limit: int = 0) -> tuple[bytes | None, bytes]:
    reader = asyncio.StreamReader()
    probe = Reader(piece, limit)
    probe._reader = reader
    task = asyncio.ensure_future(probe._read_data())
    for write in writes:
        reader.feed_data(write)
        for _ in range(3):  # let the reader take what it can before the next write comes
            await asyncio.sleep(0)
    reader.feed_eof()
    content = await asyncio.wait_for(task, 5)
    return content, await reader.read()


def _stream(rng: random.Random) -> bytes:
    lines = [
        bytes(rng.choice(b"ab..\r\n") for _ in range(rng.randrange(0, 40)))
        for _ in range(rng.randrange(0, 12))
    ]
    body = b"".join(line + b"\r\n" for line in lines)
    cut = (b"\r\n" + body).find(b"\r\n.\r\n")
    if cut >= 0:  # keep the body before its first end-of-data line
        body = body[:cut]
    return body + b".\r\n" + b"NOOP\r\n" * rng.randrange(0, 2)


def test_the_reader_against_aiosmtpd_line_by_line():
    rng = random.Random(4512)
    checked = 0
    for _ in range(1500):
        stream = _stream(rng)
        piece = rng.choice([3, 4, 5, 8, 16, 64, 65536])
        cuts = sorted(rng.sample(range(1, len(stream)), min(len(stream) - 1, rng.randrange(5))))
        writes = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
        content, left = asyncio.run(_read(writes, piece))
        assert (content, left) == aiosmtpd_reads(stream), (writes, piece)
        checked += len(stream) > piece
    assert checked > 500  # most streams took more than one piece


def test_a_stuffed_dot_or_the_end_across_a_boundary():
    # A piece read without its end stops two octets before what has come: these writes put
    # the boundary between a line's end and its dot, inside the line end, and inside ".\r\n".
    for writes in (
        [b"a" * 20 + b"\r\n.b", b"\r\n.\r\n"],
        [b"a" * 20 + b"\r\n..", b"\r\n.\r\n"],
        [b"a" * 20 + b"\r\n.", b"\r\n"],
        [b"a" * 20 + b"\r", b"\n.\r\n"],
        [b"a" * 20 + b"\r\n", b".\r\n"],
        [b"." * 21 + b"\r", b"\n..\r\n.\r\nNOOP\r\n"],
        [b"a" * 20 + b"x.\r", b"\n", b"b\r\n.\r\n"],
    ):
        stream = b"".join(writes)
        assert asyncio.run(_read(writes, 8)) == aiosmtpd_reads(stream), writes


def test_over_the_limit_is_read_to_the_end_and_dropped():
    stream = b"x" * 100 + b"\r\n" + b"y" * 100 + b"\r\n.\r\nNOOP\r\n"
    assert asyncio.run(_read([stream], 16, limit=150)) == (None, b"NOOP\r\n")
    assert (
        asyncio.run(_read([stream], 16, limit=204))[0]
        == b"x" * 100 + b"\r\n" + b"y" * 100 + b"\r\n"
    )
