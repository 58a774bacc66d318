"""Issue 17 findings 4-7 against a running server: headers that make the standard library
recurse or go quadratic, floods of MIME parts, and big messages. Every surface keeps working,
other clients are served meanwhile, memory stays bounded."""

from __future__ import annotations

import asyncio
import imaplib
import json
import smtplib
import subprocess
import sys
import time

import websockets
from attacks import MiB, memory_bound

TO = "victim@example.com"


def send(trap, raw: bytes, rcpt: str = TO) -> None:
    """Over SMTP, as an application would."""
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=60) as smtp:
        smtp.sendmail("a@example.com", [rcpt], raw)


def every_surface_works(trap, api, subject: str) -> None:
    listed = api.ok_json("/api/v1/messages")["messages"]
    [message] = [m for m in listed if m["Subject"] == subject]
    assert api.ok_json("/api/v1/search", query=f"subject:{subject}")["messages"]
    assert api.ok_json("/api/v1/search", query="nothing-like-this")["messages_count"] == 0
    assert api.ok_json(f"/api/v1/message/{message['ID']}")["Subject"] == subject
    assert api.ok_json("/api/v1/message/latest")["ID"]
    waited = api.get("/api/v1/wait", query=f"subject:{subject}", timeout="5")
    assert waited.status == 200 and waited.json()["ID"] == message["ID"]
    imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=30)
    imap.login(TO, "x")
    imap.select("INBOX")
    typ, data = imap.search(None, "SUBJECT", subject)
    assert typ == "OK" and data[0]
    assert imap.search(None, "OR", "FROM", "a", "TO", "a")[0] == "OK"
    imap.logout()


def test_finding_4_recursing_address_headers(mailtrap, api, probes):
    # ~600 nested comments, or an "a:a:a:..." group chain: RecursionError on every access.
    nested = b"From: " + b"(" * 600 + b"a" + b")" * 600 + b" <a@example.com>\r\n"
    groups = b"To: " + b"a:" * 600 + b"b@example.com;\r\n"
    frames: list[dict] = []

    async def watch() -> None:
        url = mailtrap.http_url.replace("http", "ws") + "/api/events"
        async with websockets.connect(url) as socket:
            assert json.loads(await socket.recv())["Type"] == "stats"
            await asyncio.to_thread(send, mailtrap, nested + b"Subject: nested\r\n\r\nx\r\n")
            await asyncio.to_thread(send, mailtrap, groups + b"Subject: groups\r\n\r\nx\r\n")
            while len(frames) < 2:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
                if frame["Type"] == "new":
                    frames.append(frame["Data"])

    probes.during(lambda: asyncio.run(watch()))
    assert [f["Subject"] for f in frames] == ["nested", "groups"]
    every_surface_works(mailtrap, api, "nested")
    every_surface_works(mailtrap, api, "groups")


def test_finding_5_quadratic_headers(mailtrap, api, probes):
    # To: with 60,000 addresses (120 KB): 24 s and +276 MB; 40,000 encoded words: 33 s.
    many = b"To: " + b"a," * 60000 + b"a\r\nSubject: many\r\n\r\nx\r\n"
    words = b"Subject: " + b"=?utf-8?q?w?= " * 40000 + b"\r\nTo: v@example.com\r\n\r\nx\r\n"

    def attack() -> None:
        send(mailtrap, many)
        send(mailtrap, words)
        for message in api.ok_json("/api/v1/messages")["messages"]:
            assert api.get(f"/api/v1/message/{message['ID']}").status == 200

    with memory_bound(32 * MiB):
        probes.during(attack)
    every_surface_works(mailtrap, api, "many")


def test_finding_6_a_flood_of_mime_parts(mailtrap, api, probes, deliver):
    # 200,000 empty parts (2.2 MB): 14 s per parse; the feed's next "new" came 13.8 s late.
    # Stored directly: over SMTP, aiosmtpd's DATA loop holds the loop about a second for such
    # a message (200,000 short lines) before the parse is reached; that is SMTP's to fix.
    flood = (
        b"Subject: flood\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\n\r\n" * 200_000
        + b"--b--\r\n"
    )
    late: list[float] = []

    async def watch() -> None:
        url = mailtrap.http_url.replace("http", "ws") + "/api/events"
        async with websockets.connect(url) as socket:
            await socket.recv()
            await asyncio.to_thread(deliver, flood)
            sent = time.monotonic()
            await asyncio.to_thread(deliver, b"Subject: normal\r\n\r\nx\r\n")
            while True:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 60))
                if frame["Type"] == "new" and frame["Data"]["Subject"] == "normal":
                    late.append(time.monotonic() - sent)
                    return

    def attack() -> None:
        asyncio.run(watch())
        [flooded] = api.ok_json("/api/v1/search", query="subject:flood")["messages"]
        view = api.ok_json(f"/api/v1/message/{flooded['ID']}")
        assert 1000 <= len(view["Attachments"]) <= 2000
        assert view["Attachments"][-1]["PartID"] == "rest"

    with memory_bound(64 * MiB):
        probes.during(attack)
    assert late[0] < 2.0, f"the next message's frame came {late[0]:.1f}s late"


def fetch_json(url: str, field: str) -> object:
    """One field of a JSON answer, fetched by another process (its memory is not ours)."""
    script = (
        "import json, sys, urllib.request; "
        "print(json.dumps(json.load(urllib.request.urlopen(sys.argv[1], timeout=60))[sys.argv[2]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, url, field], capture_output=True, text=True, timeout=90
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_finding_7_big_messages_cost_bounded_memory_and_are_forgotten(mailtrap, api, deliver):
    # One 20 MB message listed or read peaked at +220 to +290 MB; five read and deleted left
    # +268 MB allocated. Bound while serving one message: 3x its size + 16 MB. Store v2 part 1
    # rebuilds the caches (keyed by ID, bounded in bytes, forgotten on delete): this is its
    # regression test, and fails until then.
    size = 20 * MiB
    line = b"x" * 76 + b"\r\n"
    raw = b"Subject: big\r\nContent-Type: text/plain\r\n\r\n" + line * (size // len(line))
    api.ok_json("/api/v1/info")  # the HTTP front-end is built on first use: not a request's cost
    with memory_bound(5 * size + 64 * MiB) as after_delete:
        ids = [deliver(raw).id for _ in range(5)]
        deadline = time.monotonic() + 60
        while not mailtrap.store.indexed():  # the indexer's work is not a request's
            assert time.monotonic() < deadline, "the indexer did not catch up"
            time.sleep(0.05)
        for message_id in ids:
            # The client runs in a process of its own: only the server's memory is measured.
            with memory_bound(3 * size + 16 * MiB):
                assert fetch_json(
                    f"{mailtrap.http_url}/api/v1/message/{message_id}", "Size"
                ) == len(raw)
        with memory_bound(3 * size + 16 * MiB):  # listing builds each one's facts in turn
            assert api.ok_json("/api/v1/messages")["total"] == 5
        assert api.request("DELETE", "/api/v1/messages", body={"IDs": ids}).status == 200
        del raw
    assert after_delete["left"] < 16 * MiB, f"{after_delete['left'] / MiB:.0f} MiB left"
