"""Issue 17 findings 8 and 9: deeply nested JSON bodies, and many long-polls over a big store."""

from __future__ import annotations

import socket

import pytest
from attacks import MiB, memory_bound

DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    ("method", "path"),
    [("PUT", "/api/v1/messages"), ("DELETE", "/api/v1/messages"), ("POST", "/api/v1/send")],
)
def test_finding_8_deeply_nested_json_is_a_400(api, method, path):
    for body in (DEEP, b'{"IDs": ' + DEEP + b"}"):
        reply = api.request(method, path, raw=body, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (reply.status, reply.body[:200])
        assert "JSON" in reply.json()["Error"]


def test_finding_9_three_hundred_waiters_over_8000_messages(mailtrap, api, probes):
    # Each new /api/v1/wait scanned the whole store on the loop: 2-9 s of frozen clients.
    for n in range(8000):
        mailtrap.store.deliver("a@example.com", ["bulk@example.com"], b"Subject: %d\r\n\r\nx" % n)
    host, port = mailtrap.smtp_host, int(mailtrap.http_url.rsplit(":", 1)[1])
    waiters: list[socket.socket] = []

    def attack() -> None:
        for n in range(300):
            sock = socket.create_connection((host, port), timeout=10)
            request = f"GET /api/v1/wait?query=subject:none-{n}&timeout=3 HTTP/1.1\r\n"
            sock.sendall(request.encode() + b"Host: 127.0.0.1\r\n\r\n")
            waiters.append(sock)

    try:
        with memory_bound(32 * MiB):
            probes.during(attack)
        assert api.ok_json("/api/v1/info")["RuntimeStats"]["Waiting"] >= 1
    finally:
        for sock in waiters:
            sock.close()
