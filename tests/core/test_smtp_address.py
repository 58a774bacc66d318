"""The fast path for MAIL FROM / RCPT TO addresses gives exactly aiosmtpd's answers.

Every RFC 5321 4.1.2 form (and SMTPUTF8's, RFC 6531 3.3), invalid paths aiosmtpd rejects, and
a seeded random corpus: our ``_getaddr`` and aiosmtpd's own return the same address and the
same rest, or fail the same way; over the wire, our server and a bare aiosmtpd server give the
same reply to every MAIL and RCPT. (tests/smtp/test_aiosmtpd_members.py checks that the aiosmtpd
members we override, ``_getaddr`` among them, are still what we override.)
"""

from __future__ import annotations

import asyncio
import random
import socket

import pytest
from aiosmtpd.smtp import SMTP

from mailtrap.servers.smtp import CaptureSMTP, SmtpServer, StoreHandler
from mailtrap.servers.smtp_address import FastAddresses, ordinary_address
from mailtrap.store import MemoryStore

ORDINARY = [
    "<alice@example.com>",
    "<Alice.Smith@Example.COM>",
    "<a@b>",
    "<x@localhost>",
    "<first.last+tag@sub.example.co.uk>",
    "<user-name_1@host-1.example>",
    "<!#$%&'*+/=?^_`{|}~-@example.com>",
    "<a.b.c.d@e-f.g>",
    "<1234@5678>",
    "<a@-b>",  # not a valid sub-domain, but aiosmtpd takes it: so do we, identically
    "<a@b->",
    "<alice@example.com> SIZE=1024",
    "<alice@example.com> SIZE=1024 BODY=8BITMIME",
    "<alice@example.com> BODY=8BITMIME SMTPUTF8",
    "<alice@example.com>\tSIZE=1",
    "<alice@example.com>   SIZE=1   BODY=7BIT  ",
    "<alice@example.com> ",
    "<alice@example.com> \u2003SIZE=1",  # the parser's white space is Unicode's
    "<alice@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.com",
    "<alice@example.com> SIZE=(1)",
    '<alice@example.com> X="quoted"',
    "<alice@xn--bcher-kva.example>",  # an IDN domain in its ASCII form
    "<" + "a" * 300 + "@example.com>",  # over RFC 5321's 64 octets: aiosmtpd has no limit set
]

UNUSUAL = [
    "",
    "<>",  # the null reverse-path
    "<> SIZE=1",
    '<"alice smith"@example.com>',  # Quoted-string local parts
    '<"alice"@example.com>',
    '<"a\\"b"@example.com>',
    '<"a\\\\b"@example.com>',
    '<""@example.com>',
    "<alice@[192.0.2.1]>",  # address literals
    "<alice@[IPv6:2001:db8::1]>",
    "<alice@[tag:general]>",
    "<@relay.example:alice@example.com>",  # source routes (A-d-l)
    "<@one.example,@two.example:alice@example.com>",
    "<j\u00f6rg@example.com>",  # SMTPUTF8 (RFC 6531 3.3)
    "<alice@b\u00fccher.example>",
    "<\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a>",
    "alice@example.com",  # no brackets
    "alice@example.com SIZE=1",
    " <alice@example.com>",
    "(comment) <alice@example.com>",
    "<alice@example.com>(comment)",
    "<alice@example.com> (comment) SIZE=1",
    "<alice@example.com>SIZE=1",
    "<alice@example.com>x",
    "<alice@example.com>\x0bX",
    "< alice@example.com>",
    "<alice@example.com >",
    "<alice @example.com>",
    "<alice@ example.com>",
    "<alice@example.com.>",
    "<alice@example..com>",
    "<.alice@example.com>",
    "<alice.@example.com>",
    "<al..ice@example.com>",
    "<alice@>",
    "<@example.com>",
    "<alice>",
    "<alice@b@c>",
    "<alice@example.com",
    "alice@example.com>",
    "<<alice@example.com>>",
    "<alice@example.com>>",
    "<",
    ">",
    "<alice,bob@example.com>",
    "<alice;bob@example.com>",
    "<alice:bob@example.com>",
    "<alice[x]@example.com>",
    "<alice\\@example.com>",
    "<alice@exa_mple.com>",
    "<alice@exa!mple.com>",
    "<alice@example.com\u2003>",
    "<alice\t@example.com>",
]


def _smtp(cls: type[SMTP], local_part_limit: int = 0) -> SMTP:
    loop = asyncio.new_event_loop()
    try:
        if cls is CaptureSMTP:
            from mailtrap.faults import Faults
            from mailtrap.servers.connections import Connections

            handler = StoreHandler(MemoryStore(), Faults())
            server = cls(handler, Connections(10), max_size=1000, loop=loop)
        else:
            server = cls(object(), hostname="localhost", enable_SMTPUTF8=True, loop=loop)
    finally:
        loop.close()
    server.local_part_limit = local_part_limit
    return server


def _outcome(server: SMTP, arg: str, getaddr) -> tuple:
    try:
        return ("answer", getaddr(server, arg))
    except Exception as error:  # aiosmtpd's parser raises on some inputs; so must we
        return ("raises", type(error))


def _compare(args: list[str], local_part_limit: int = 0) -> int:
    """Assert ours == aiosmtpd's for every arg; return how many took the fast path."""
    ours, theirs = _smtp(CaptureSMTP, local_part_limit), _smtp(SMTP, local_part_limit)
    fast = 0
    for arg in args:
        expected = _outcome(theirs, arg, SMTP._getaddr)
        assert _outcome(ours, arg, CaptureSMTP._getaddr) == expected, arg
        fast += ordinary_address(arg, local_part_limit) is not None
    return fast


def test_ordinary_addresses_take_the_fast_path_with_aiosmtpds_answers():
    assert CaptureSMTP._getaddr is FastAddresses._getaddr
    assert _compare(ORDINARY) == len(ORDINARY)


def test_unusual_and_invalid_addresses_get_aiosmtpds_answers():
    assert _compare(UNUSUAL) == 0  # each of them went through aiosmtpd's parser


@pytest.mark.parametrize("limit", [1, 5, 64])
def test_the_local_part_limit_applies_alike(limit):
    args = ["<alice@example.com>", "<a@example.com>", "<" + "b" * 64 + "@example.com> SIZE=1"]
    _compare(args + ORDINARY + UNUSUAL, limit)


# Characters that matter to the grammar, each a few times more likely than the rest.
_ALPHABET = (
    list("abcXYZ019")
    + list("!#$%&'*+/=?^_`{|}~-")
    + list('()<>@,:;.\\"[]')
    + [" ", "\t", "\x0b", "\u00a0", "\u2003", "\u00e9", "\u7528"]
)


def _random_path(rng: random.Random) -> str:
    def chunk(most: int) -> str:
        picks = rng.choices(["a", "b.c", "x-y", ".", *_ALPHABET], k=rng.randint(0, most))
        return "".join(picks)

    shape = rng.random()
    if shape < 0.6:  # mostly nearly-ordinary paths, where a wrong fast answer would hide
        path = f"<{chunk(4) or 'a'}@{chunk(4) or 'b'}>"
    elif shape < 0.8:
        path = f"{chunk(3)}<{chunk(5)}@{chunk(5)}>{chunk(2)}"
    else:
        path = chunk(12)
    if rng.random() < 0.5:
        path += rng.choice(["", " ", "  ", "\t", " (c)"]) + chunk(6)
    return path


def test_a_random_corpus_gets_aiosmtpds_answers():
    rng = random.Random(16)
    corpus = [_random_path(rng) for _ in range(20_000)]
    fast = _compare(corpus)
    assert fast > 1000  # the corpus exercises the fast path, not only the fallback


# -- over the wire: same reply as a bare aiosmtpd server to every MAIL and RCPT -------------


async def _replies(port: int, args: list[str]) -> list[str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)

    async def say(line: str) -> str:
        writer.write(line.encode() + b"\r\n")
        reply = b""
        while True:
            line_in = await asyncio.wait_for(reader.readline(), 5)
            reply += line_in
            if line_in[3:4] != b"-":
                return reply.decode(errors="replace").rstrip()

    await asyncio.wait_for(reader.readline(), 5)  # greeting
    await say("EHLO client.example")
    replies = []
    for arg in args:
        replies.append(await say(f"MAIL FROM:{arg}"))
        if replies[-1].startswith("250"):
            replies.append(await say(f"RCPT TO:{arg}"))
            await say("RSET")
    await say("QUIT")
    writer.close()
    await writer.wait_closed()
    return replies


async def _wire(args: list[str]) -> tuple[list[str], list[str]]:
    loop = asyncio.get_running_loop()

    class Accept:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    ours = SmtpServer(
        MemoryStore(), hostname="localhost", max_size=1 << 20, timeout=5, max_connections=5
    )
    sock = socket.create_server(("127.0.0.1", 0))
    await ours.start(sock)
    bare = await loop.create_server(
        lambda: SMTP(Accept(), hostname="localhost", enable_SMTPUTF8=True, loop=loop),
        "127.0.0.1",
        0,
    )
    try:
        return (
            await _replies(sock.getsockname()[1], args),
            await _replies(bare.sockets[0].getsockname()[1], args),
        )
    finally:
        await ours.stop()
        bare.close()
        await bare.wait_closed()


def test_our_server_answers_every_path_as_bare_aiosmtpd_does():
    # Lines with control characters would be refused before MAIL is parsed; keep to the rest.
    args = [a for a in ORDINARY + UNUSUAL if a.isprintable() and a != "<>"] + ["<>"]
    ours, theirs = asyncio.run(_wire(args))
    assert ours == theirs
    assert sum(r.startswith("553") for r in ours) >= 5  # rejections were compared too
