"""Serving: one port for everything, prompt stop, and an index that starts from existing mail."""

from __future__ import annotations

import http.client
import socket

from mailtrap.api.index import MessageIndex
from mailtrap.store import SEEN, MemoryStore


def test_http_url_has_no_trailing_slash(mailtrap):
    assert mailtrap.http_url == f"http://127.0.0.1:{mailtrap.port('http')}"


def test_keep_alive_connections_are_reused_and_closed_on_stop(mailtrap_factory):
    trap = mailtrap_factory()
    connection = http.client.HTTPConnection("127.0.0.1", trap.port("http"), timeout=5)
    for _ in range(3):
        connection.request("GET", "/api/v1/messages")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Connection") != "close"
        response.read()
    sock = connection.sock
    trap.stop()
    sock.settimeout(5)
    assert sock.recv(1) == b""  # the server closed the idle keep-alive connection
    connection.close()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", trap.port("http"))) != 0


def test_the_index_starts_from_mail_already_stored():
    store = MemoryStore()
    read = store.deliver("a@example.com", ["x@example.com", "y@example.com"], b"Subject: r\r\n\r\n")
    half = store.deliver("a@example.com", ["x@example.com", "y@example.com"], b"Subject: h\r\n\r\n")
    store.set_seen([read.id], True)
    store.set_seen([half.id], True, mailbox="x@example.com")
    index = MessageIndex(store)
    try:
        assert index.is_read(read.id) and not index.is_read(half.id)
        assert index.is_read(half.id, "x@example.com")
        assert not index.is_read(half.id, "y@example.com")
        assert index.unread == 1
        store.store_flags("y@example.com", [2], [SEEN], "add")
        assert index.is_read(half.id) and index.unread == 0
        store.clear()
        assert index.unread == 0 and not index.is_read(read.id)
    finally:
        index.close()
