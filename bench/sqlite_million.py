"""Benchmark: the SQLite backend with a million stored 1 KB messages (issue 14's large targets).

Run from the repository root:  python bench/sqlite_million.py  (--messages N, --db FILE)

1. Fill a database through the store itself (eight writer threads, so commits are grouped as
   under SMTP load; SMTP ingest is measured by bench/sqlite_store.py), one mailbox, every message
   about 1 KB of words, one in a thousand with a rare word; then wait for the indexer. An
   existing --db file of the right size is reused.
2. Start ``mailtrap --db FILE`` (every front-end, as the command line runs) and time it until
   ``/readyz`` answers; then, one request at a time: the API's list page (median of 20), the
   first search for the rare word (0.1%) and for a common word, IMAP SELECT of the INBOX
   (median of 3), and the server's resident memory before and after.
Targets: start-up under 5 s, list under 50 ms, search under 100 ms, SELECT under 300 ms,
resident memory under 300 MB.
"""

from __future__ import annotations

import argparse
import http.client
import imaplib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

WORDS = [
    "alpha",
    "bravo",
    "charlie",
    "delta",
    "echo",
    "foxtrot",
    "golf",
    "hotel",
    "india",
    "juliet",
    "kilo",
    "lima",
    "mike",
]
USER = "million@example.com"


def message(n: int) -> bytes:
    words = random.Random(n).choices(WORDS, k=140)
    if n % 1000 == 0:
        words[70] = "quixotic"
    body = " ".join(words).encode()
    head = f"From: app@example.com\r\nTo: {USER}\r\nSubject: message {n} common\r\n\r\n"
    return head.encode() + body + b"\r\n"


def fill(db: str, count: int) -> None:
    from mailtrap.store import SqliteStore

    store = SqliteStore(db)
    info = store.folder(USER)
    have = info.total if info is not None else 0
    if have >= count:
        print(f"reusing {db}: {have:,} messages")
        store.close()
        return
    start = time.perf_counter()
    todo = iter(range(have, count))
    lock = threading.Lock()

    def work() -> None:
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                return
            store.deliver("app@example.com", [USER], message(n))

    writers = [threading.Thread(target=work) for _ in range(8)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    filled = time.perf_counter() - start
    while not store.indexed():
        time.sleep(0.5)
    print(
        f"filled {count - have:,} messages in {filled:.0f} s "
        f"({(count - have) / filled:,.0f}/s), indexed after {time.perf_counter() - start:.0f} s; "
        f"file {os.path.getsize(db) / 2**20:,.0f} MiB"
    )
    store.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def get(port: int, path: str) -> tuple[float, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start = time.perf_counter()
    connection.request("GET", path)
    reply = connection.getresponse()
    body = reply.read()
    elapsed = (time.perf_counter() - start) * 1000
    connection.close()
    assert reply.status == 200, (reply.status, body[:200])
    return elapsed, json.loads(body) if body.startswith(b"{") else {}


def measure(db: str) -> None:
    http_port, imap_port = free_port(), free_port()
    command = [sys.executable, "-m", "mailtrap", "--db", db, "--smtp", "0", "--pop3", "off"]
    command += ["--http", str(http_port), "--imap", str(imap_port)]
    start = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        while True:
            try:
                get(http_port, "/readyz")
                break
            except (OSError, AssertionError):
                time.sleep(0.01)
        print(f"start-up (open and ready): {(time.perf_counter() - start) * 1000:,.0f} ms")
        print(f"resident memory after start: {rss_mib(server.pid):,.0f} MiB")
        pages = [get(http_port, "/api/v1/messages?limit=50")[0] for _ in range(20)]
        print(f"API list page: median {statistics.median(pages):.1f} ms")
        took, found = get(http_port, "/api/v1/search?query=quixotic")
        print(f"first search, word in 0.1%: {took:,.0f} ms ({found['messages_count']:,} found)")
        took, found = get(http_port, "/api/v1/search?query=common")
        print(f"search, word in every message: {took:,.0f} ms (total {found['messages_count']:,})")
        selects = []
        for _ in range(3):
            imap = imaplib.IMAP4("127.0.0.1", imap_port, timeout=300)
            imap.login(USER, "x")
            begin = time.perf_counter()
            imap.select("INBOX")
            selects.append((time.perf_counter() - begin) * 1000)
            imap.logout()
        print(f"IMAP SELECT: median {statistics.median(selects):,.0f} ms")
        print(f"resident memory after: {rss_mib(server.pid):,.0f} MiB")
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--db", default="/tmp/mailtrap-million.db")
    args = parser.parse_args()
    fill(args.db, args.messages)
    measure(args.db)


if __name__ == "__main__":
    main()
