"""The websocket feed at /api/events, with the real ``websockets`` client."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import socket
import threading
import time

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect


def _ws_url(trap) -> str:
    return trap.http_url.replace("http://", "ws://") + "/api/events"


def next_frame(ws, kind: str, timeout: float = 5.0) -> dict:
    """The next frame of ``kind``, skipping others (stats frames come and go)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        assert set(frame) == {"Type", "Data"}
        if frame["Type"] == kind:
            return frame["Data"]


@pytest.fixture
def feed(mailtrap):
    with connect(_ws_url(mailtrap), open_timeout=5) as ws:
        first = json.loads(ws.recv(timeout=5))
        assert first["Type"] == "stats"  # registered: every later change will arrive
        yield ws


def test_first_frame_is_stats(mailtrap, deliver, build):
    deliver(build())
    with connect(_ws_url(mailtrap)) as ws:
        assert json.loads(ws.recv(timeout=5)) == {
            "Type": "stats", "Data": {"Total": 1, "Unread": 1},
        }  # fmt: skip


def test_new_update_delete_truncate(feed, api, smtp, build):
    smtp("app@example.com", ["alice@example.com", "bcc@example.com"], build(subject="Live"))
    new = next_frame(feed, "new")
    assert new["Subject"] == "Live" and new["Read"] is False
    assert new["Bcc"] == [{"Name": "", "Address": "bcc@example.com"}]
    assert new["Snippet"].startswith("Hello there")
    api.get(f"/api/v1/message/{new['ID']}")
    assert next_frame(feed, "update") == {"ID": new["ID"], "Read": True}
    api.request("DELETE", "/api/v1/messages", body={"IDs": [new["ID"]]})
    assert next_frame(feed, "delete") == {"ID": new["ID"]}
    smtp("app@example.com", ["alice@example.com"], build(subject="Again"))
    next_frame(feed, "new")
    api.request("DELETE", "/api/v1/messages")
    assert next_frame(feed, "truncate") is None
    assert next_frame(feed, "stats") == {"Total": 0, "Unread": 0}


def test_unlinking_from_one_mailbox_sends_update_not_delete(feed, api, deliver, build):
    message = deliver(build(), rcpt_tos=["alice@example.com", "bob@example.com"])
    next_frame(feed, "new")
    api.get(f"/api/v1/message/{message.id}?mailbox=alice%40example.com")  # read in alice's only
    api.request("DELETE", "/api/v1/messages", {"mailbox": "bob@example.com"}, {"IDs": [message.id]})
    # Its last unseen link went: read everywhere it still is, so an update, not a delete.
    assert next_frame(feed, "update") == {"ID": message.id, "Read": True}


def test_cross_origin_pages_are_refused(mailtrap):
    with pytest.raises(InvalidStatus) as refused:
        connect(_ws_url(mailtrap), origin="http://evil.example", open_timeout=5)
    assert refused.value.response.status_code == 403
    host = mailtrap.http_url.removeprefix("http://")
    with connect(_ws_url(mailtrap), origin=f"http://{host}") as ws:
        assert json.loads(ws.recv(timeout=5))["Type"] == "stats"


def test_other_websocket_paths_are_refused(mailtrap):
    with pytest.raises(InvalidStatus):
        connect(_ws_url(mailtrap).replace("/api/events", "/api/other"), open_timeout=5)


def _stalled_client(trap) -> socket.socket:
    """A websocket client that completes the handshake and then never reads."""
    port = trap.port("http")
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    assert sock.recv(12) == b"HTTP/1.1 101"
    return sock


def test_a_stalled_client_is_dropped_and_never_slows_delivery(mailtrap, api, deliver):
    received: list[str] = []
    with connect(_ws_url(mailtrap)) as healthy:
        reader = threading.Thread(target=_drain, args=(healthy, received), daemon=True)
        reader.start()
        stalled = _stalled_client(mailtrap)
        try:
            assert api.ok_json("/api/v1/info")["RuntimeStats"]["LiveClients"] == 2
            raw = f"Subject: {'s' * 30_000}\r\nTo: a@example.com\r\n\r\nx\r\n".encode()

            def live_clients():
                return api.ok_json("/api/v1/info")["RuntimeStats"]["LiveClients"]

            sent = 0
            while sent < 3000 and live_clients() == 2:
                for _ in range(50):
                    deliver(raw)
                sent += 50
            # The feed works through its backlog on the loop: give it time to notice.
            deadline = time.monotonic() + 10
            while live_clients() == 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            if live_clients() != 1:
                pytest.fail("the stalled client was never dropped")
            # The healthy client, which reads, got every message.
            deadline = time.monotonic() + 10
            while received.count("new") < sent and time.monotonic() < deadline:
                time.sleep(0.02)
            assert received.count("new") == sent
        finally:
            stalled.close()


def _drain(ws, received: list[str]) -> None:
    with contextlib.suppress(ConnectionClosed):
        for frame in ws:
            received.append(json.loads(frame)["Type"])


def test_closing_the_client_unregisters_it(mailtrap, api):
    with connect(_ws_url(mailtrap)) as ws:
        ws.recv(timeout=5)
        assert api.ok_json("/api/v1/info")["RuntimeStats"]["LiveClients"] == 1
    deadline = time.monotonic() + 5
    while (
        api.ok_json("/api/v1/info")["RuntimeStats"]["LiveClients"] and time.monotonic() < deadline
    ):
        time.sleep(0.02)
    assert api.ok_json("/api/v1/info")["RuntimeStats"]["LiveClients"] == 0


def test_stopping_the_server_closes_the_feed(mailtrap_factory):
    trap = mailtrap_factory()
    with connect(_ws_url(trap)) as ws:
        ws.recv(timeout=5)
        trap.stop()
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=5)
