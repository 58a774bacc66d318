"""Benchmark: IMAP writes and a 100,000-message folder: APPEND and COPY throughput, SELECT and
STATUS latency, and how long the server's loop is held while a COPY of them all runs.

Run from the repository root:  python bench/imap_folders.py  (--messages N, --runs N)

The server runs in a child process (IMAP only) with one account whose INBOX holds --messages
messages (stored straight into its store) and a second folder of the same size that no session
has selected (so STATUS has RECENT to count). This process times each command over loopback
from sending it to reading its tagged response, and prints the median and worst of the runs
against the targets of issue 12 (SELECT and STATUS under 300 ms). A third connection sends NOOP
every 10 ms during the big COPY and records the longest wait for an answer: how long one
client's big command keeps the others waiting. (The COPY pauses every 20 ms; what is left is
mostly Python's cyclic garbage collector, whose full collections walk every object of a store
this size, about 100 ms each on a busy 2-core machine.)
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import threading
import time

USER = "bench@example.com"
TARGETS_MS = {"SELECT INBOX": 300, "STATUS INBOX": 300, "STATUS Fresh": 300}
BODY = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 32).encode()


def message(n: int) -> bytes:
    head = f"From: app{n % 50}@example.org\r\nTo: {USER}\r\nSubject: Report {n}\r\n"
    head += f"Message-ID: <{n}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    return head.encode() + b"\r\n" + BODY + b"\r\n"


def serve(messages: int) -> None:
    from mailtrap.config import SERVICE_NAMES, Config
    from mailtrap.store import MailboxId, MemoryStore
    from mailtrap.threaded import ThreadedRuntime

    ports = dict.fromkeys(SERVICE_NAMES)
    ports["imap"] = 0
    store = MemoryStore()
    for n in range(messages):
        store.deliver("app@example.org", [USER], message(n))
    store.store_flags(USER, range(1, messages + 1, 3), ["\\Seen"], "add")
    fresh = MailboxId(USER, "Fresh")
    store.create_folder(fresh)
    store.copy(USER, range(1, messages + 1), fresh)
    runtime = ThreadedRuntime(Config(ports=ports), store)
    runtime.start()
    print(f"PORT {runtime.runtime.addresses['imap'].port}", flush=True)
    sys.stdin.read()
    runtime.stop()


class Wire:
    """A bare IMAP connection: commands written whole, answers read to the tagged line."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=120)
        self.reader = self.sock.makefile("rb", buffering=1 << 20)
        self.tag = 0
        self.reader.readline()
        self.command(b"LOGIN " + USER.encode() + b" x")

    def send(self, text: bytes) -> bytes:
        self.tag += 1
        tag = b"t%d" % self.tag
        self.sock.sendall(tag + b" " + text + b"\r\n")
        return tag

    def finish(self, tag: bytes) -> bytes:
        while True:
            line = self.reader.readline()
            if not line:
                raise ConnectionError("closed")
            if line.startswith(tag + b" "):
                assert line.split()[1] == b"OK", line
                return line

    def command(self, text: bytes) -> bytes:
        return self.finish(self.send(text))


def timed(wire: Wire, text: bytes, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        wire.command(text)
        times.append((time.perf_counter() - start) * 1000)
    return times


def append_rate(wire: Wire, count: int, pipelined: bool) -> float:
    """Messages per second appended to Sent: one by one (each answered before the next), or
    pipelined with LITERAL+ (RFC 7888), all sent before the answers are read."""
    raw = message(0)
    line = b"APPEND Sent (\\Seen) {%d+}\r\n" % len(raw) + raw
    start = time.perf_counter()
    if pipelined:
        tags = [wire.send(line) for _ in range(count)]
        for tag in tags:
            wire.finish(tag)
    else:
        for _ in range(count):
            wire.command(line)
    return count / (time.perf_counter() - start)


def stall_during(port: int, work) -> float:
    """The longest wait, in ms, of a NOOP sent every 10 ms by another client while ``work``
    runs: how long the server keeps everyone else waiting."""
    other = Wire(port)
    waits: list[float] = []
    done = threading.Event()

    def ping() -> None:
        while not done.is_set():
            start = time.perf_counter()
            other.command(b"NOOP")
            waits.append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)

    pinger = threading.Thread(target=ping)
    pinger.start()
    try:
        work()
    finally:
        done.set()
        pinger.join(60)
    return max(waits) if waits else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--appends", type=int, default=2_000)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.messages)
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--messages", str(options.messages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        port = int(child.stdout.readline().split()[1])
        wire, watcher = Wire(port), Wire(port)
        print(f"folders of {options.messages:,} messages, {options.runs} runs each")
        print(f"{'command':40} {'median ms':>10} {'worst ms':>10} {'target ms':>10}  result")
        commands = {
            "SELECT INBOX": b"SELECT INBOX",
            "STATUS INBOX": b"STATUS INBOX (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)",
            "STATUS Fresh": b"STATUS Fresh (MESSAGES RECENT UIDNEXT UIDVALIDITY UNSEEN)",
        }
        for name, text in commands.items():
            # STATUS from a session that has another folder selected, as clients poll
            times = timed(wire if name == "SELECT INBOX" else watcher, text, options.runs)
            median, target = statistics.median(times), TARGETS_MS[name]
            verdict = "ok" if median < target else "MISSED"
            print(f"{name:40} {median:10.1f} {max(times):10.1f} {target:10}  {verdict}")
        print()
        one = append_rate(wire, options.appends, pipelined=False)
        many = append_rate(wire, options.appends, pipelined=True)
        size = len(message(0))
        print(f"APPEND {size} B, one at a time           {one:10,.0f} messages/s")
        print(f"APPEND {size} B, pipelined (LITERAL+)    {many:10,.0f} messages/s")
        start = time.perf_counter()
        for uid in range(1, options.appends + 1):
            wire.command(b"UID COPY %d Archive" % uid)
        rate = options.appends / (time.perf_counter() - start)
        print(f"UID COPY of one message, one at a time   {rate:10,.0f} commands/s")
        elapsed = []

        def copy_all() -> None:
            start = time.perf_counter()
            wire.command(b"COPY 1:* Trash")
            elapsed.append(time.perf_counter() - start)

        stall = stall_during(port, copy_all)
        print(
            f"COPY 1:* ({options.messages:,} messages)         "
            f"{options.messages / elapsed[0]:10,.0f} messages/s  ({elapsed[0] * 1000:,.0f} ms)"
        )
        print(f"  longest NOOP wait of another client meanwhile: {stall:,.0f} ms")
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(60)


if __name__ == "__main__":
    main()
