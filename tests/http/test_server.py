"""Serving: one port for everything, and a prompt stop."""

from __future__ import annotations

import http.client
import socket


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
