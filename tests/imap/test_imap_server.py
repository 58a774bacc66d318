"""The asyncio adapter on real sockets: autologout, the connection limit, stop, STARTTLS."""

from __future__ import annotations

import asyncio
import socket

from mailtrap.servers.imap import ImapServer
from mailtrap.store import MemoryStore


async def serve(**options: object) -> tuple[ImapServer, int]:
    server = ImapServer(MemoryStore(), **options)  # type: ignore[arg-type]
    sock = socket.create_server(("127.0.0.1", 0))
    await server.start(sock)
    return server, sock.getsockname()[1]


async def read_line(reader: asyncio.StreamReader) -> bytes:
    return await asyncio.wait_for(reader.readline(), 5)


def test_silent_client_is_logged_out():
    async def scenario() -> None:
        server, port = await serve(timeout=0.3)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert (await read_line(reader)).startswith(b"* OK")
            assert await read_line(reader) == b"* BYE Autologout; idle for too long\r\n"
            assert await read_line(reader) == b""
            writer.close()
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_idle_is_logged_out_too():
    async def scenario() -> None:
        server, port = await serve(timeout=0.3)
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await read_line(reader)
            writer.write(b"a LOGIN x@example.com y\r\nb IDLE\r\n")
            assert (await read_line(reader)).startswith(b"a OK")
            assert await read_line(reader) == b"+ idling\r\n"
            assert await read_line(reader) == b"* BYE Autologout; idle for too long\r\n"
            writer.close()
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_connection_limit():
    async def scenario() -> None:
        server, port = await serve(max_connections=1)
        try:
            first_reader, first = await asyncio.open_connection("127.0.0.1", port)
            assert (await read_line(first_reader)).startswith(b"* OK")
            reader, second = await asyncio.open_connection("127.0.0.1", port)
            assert await read_line(reader) == b"* BYE Too many connections, try again later\r\n"
            assert await read_line(reader) == b""
            first.close()
            second.close()
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_stop_closes_open_sessions():
    async def scenario() -> None:
        server, port = await serve()
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        await read_line(reader)
        await asyncio.wait_for(server.stop(), 5)
        assert await asyncio.wait_for(reader.read(), 5) == b""
        writer.close()

    asyncio.run(scenario())


def test_client_that_disconnects_mid_command_is_forgotten():
    async def scenario() -> None:
        server, port = await serve()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await read_line(reader)
            writer.write(b"a LOGIN {100}\r\n")
            assert await read_line(reader) == b"+ Ready for literal data\r\n"
            writer.close()
            for _ in range(50):
                if not server.clients:
                    break
                await asyncio.sleep(0.02)
            assert not server.clients
        finally:
            await server.stop()

    asyncio.run(scenario())


def test_plain_text_pipelined_after_starttls_is_dropped(mailtrap_factory):
    trap = mailtrap_factory(tls=True)
    context = trap.ssl_context()
    with socket.create_connection((trap.smtp_host, trap.imap_port), timeout=10) as raw:
        greeting = raw.recv(4096)
        assert b"STARTTLS" in greeting
        raw.sendall(b"a STARTTLS\r\nb LOGIN injected@example.com x\r\n")
        assert raw.recv(4096) == b"a OK Begin TLS negotiation now\r\n"
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(b"c CAPABILITY\r\n")
            data = b""
            while not data.endswith(b"c OK CAPABILITY completed\r\n"):
                data += tls.recv(4096)
            assert b"b OK" not in data and b"STARTTLS" not in data
            tls.sendall(b"d SELECT INBOX\r\n")
            assert tls.recv(4096).startswith(b"d BAD")  # the injected LOGIN never ran


def test_imaps_speaks_tls_from_the_start(mailtrap_factory):
    trap = mailtrap_factory(tls=True)
    context = trap.ssl_context()
    raw = socket.create_connection((trap.smtp_host, trap.imaps_port), timeout=10)
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.recv(4096).startswith(b"* OK [CAPABILITY IMAP4rev1")
