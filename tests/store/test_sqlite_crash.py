"""Durability: a server killed with SIGKILL in the middle of a flood loses nothing that got its
250, keeps nothing half-written, and its database checks out (the issue's crash test)."""

from __future__ import annotations

import bisect
import re
import signal
import smtplib
import sqlite3
import threading
import time

import pytest
from cliserver import Server

from mailtrap.store import SqliteStore


def message(name: str, body_size: int) -> bytes:
    body = (b"y" * 76 + b"\r\n") * (body_size // 78)
    return f"Subject: {name}\r\nX-Flood: {name}\r\nX-Tags: flood\r\n\r\n".encode() + body


#: Only SMTP: the flood needs nothing else.
OFF = ("--http", "off", "--pop3", "off", "--imap", "off")

SCENARIOS = {
    # killed while 8 connections keep committing small messages
    "during commits": {"senders": 8, "size": 500, "options": ()},
    # killed while bodies of 2 MB stream in (DATA in progress on every connection)
    "during DATA": {"senders": 4, "size": 2_000_000, "options": ()},
    # killed while each delivery also prunes the oldest
    "during pruning": {"senders": 8, "size": 500, "options": ("--max-messages", "40")},
}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("moment", [0.4, 1.1])
def test_sigkill_mid_flood_loses_nothing_that_got_250(tmp_path, scenario, moment):
    setup = SCENARIOS[scenario]
    path = tmp_path / "mail.db"
    server = Server("--db", str(path), *OFF, *setup["options"])
    port = server.port("smtp")
    acknowledged: list[str] = []
    sent: dict[str, bytes] = {}
    began: dict[str, float] = {}  # when each message's sendmail began
    answered: dict[str, float] = {}  # when its 250 was read
    stop = threading.Event()

    def flood(number: int) -> None:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                for n in range(100_000):
                    if stop.is_set():
                        return
                    name = f"m{number}-{n}"
                    raw = sent[name] = message(name, setup["size"])
                    began[name] = time.monotonic()
                    smtp.sendmail("a@example.com", ["flood@example.com"], raw)
                    answered[name] = time.monotonic()
                    acknowledged.append(name)  # the server said 250
        except (OSError, smtplib.SMTPException):
            return  # the server died under us

    senders = [threading.Thread(target=flood, args=(n,)) for n in range(setup["senders"])]
    for sender in senders:
        sender.start()
    first = time.monotonic() + 60  # a slow machine takes a while over the first 2 MB
    while not acknowledged and time.monotonic() < first:
        time.sleep(0.01)
    time.sleep(moment)  # after the first 250: the kill lands mid-flood, at different moments
    server.stop(signal.SIGKILL)
    stop.set()
    for sender in senders:
        sender.join(30)
    assert acknowledged, "nothing was delivered before the kill"
    with sqlite3.connect(path) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    store = SqliteStore(path, max_messages=40 if "pruning" in scenario else None)
    try:
        stored = {}
        for record in store.messages():
            raw = store.raw(record.id)
            name = re.search(rb"X-Flood: (\S+)", raw).group(1).decode()
            assert name not in stored, f"{name} stored twice"
            assert raw == sent[name], f"{name} is not what was sent"  # never half there
            # its other fields came with it, in the same transaction
            assert store.tags_of(record.id) == ("flood",), name
            assert store.transcript(record.id) is not None, name
            stored[name] = record
        if "pruning" in scenario:
            # Only the newest 40 survive pruning. A message committed after M was answered after
            # M's sendmail began, or was in flight at the kill (one a sender): while those are
            # fewer than 40, nothing can have pruned M. (The order of `acknowledged` is not the
            # order of the commits: a sender's thread may note its 250 late.)
            assert len(stored) <= 40
            answers = sorted(answered[name] for name in acknowledged)

            def committed_after_at_most(name: str) -> int:  # M itself left out
                later = len(answers) - bisect.bisect_right(answers, began[name]) - 1
                return later + setup["senders"]

            kept = [name for name in acknowledged if committed_after_at_most(name) < 40]
            assert kept, "no acknowledged message was sure to outlive pruning"
            missing = [name for name in kept if name not in stored]
            assert not missing, f"acknowledged and not pruned, yet lost: {missing}"
        else:
            missing = [name for name in acknowledged if name not in stored]
            assert not missing, f"{len(missing)} acknowledged message(s) lost: {missing[:5]}"
    finally:
        store.close()
