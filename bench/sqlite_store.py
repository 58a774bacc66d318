"""Benchmark: the SQLite backend against the memory store, and what readers cost ingest.

Run from the repository root:  python bench/sqlite_store.py  (--rounds N, --stored N)

1. SMTP ingest, 1 KB messages, 20 connections from Postfix's smtp-source, into the memory
   store, SQLite (``--db-sync normal``, the default) and SQLite with ``--db-sync full``, in
   interleaved rounds of the same run (issue 14's target: SQLite at least 0.8x memory).
2. With --stored messages in a database: the 99th percentile of the SMTP 250 reply, one message
   at a time, alone and while four clients loop over the API list, an API search and IMAP
   ``FETCH 1:* (FLAGS)`` (target: at most 10 ms more); first right after the ingest, while the
   indexer catches up, then once every message is indexed.
3. The database file's size before and after deleting half of its mail, each once the indexer
   has caught up and given freed pages back: first the older half (what ``--max-messages`` and
   ``--max-age`` pruning delete: whole pages empty and go back), then every other message of
   the rest (the b-tree's worst case: every page stays half full, and only a full ``VACUUM``,
   which blocks every writer while it copies the file, would compact them).
Query figures (list, search, SELECT at 100,000 messages) come from bench/store_query.py --db.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import imaplib
import multiprocessing
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MESSAGES = 5000


def serve(kind: str, db: str) -> None:
    from mailtrap.config import Config
    from mailtrap.runtime import tune_server_process
    from mailtrap.store import MemoryStore, SqliteStore
    from mailtrap.threaded import ThreadedRuntime

    if kind == "memory":
        store = MemoryStore()
    else:
        store = SqliteStore(db, sync="full" if kind == "sqlite-full" else "normal")
    tune_server_process()  # as the command line runs
    runtime = ThreadedRuntime(Config(), store, lazy=False)  # every front-end built, as the CLI
    runtime.start()
    addresses = runtime.runtime.addresses
    print(addresses["smtp"].port, addresses["http"].port, addresses["imap"].port, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "count":
            print(store.count(), flush=True)
        elif command == "settle":  # indexed, and space given back
            while not store.indexed() or getattr(store, "_vacuum_due", False):
                time.sleep(0.1)
            print(0, flush=True)
        elif command == "delete-older-half":
            stored = store.messages()  # oldest first
            store.delete([m.id for m in stored[: len(stored) // 2]])
            print(0, flush=True)
        elif command == "delete-every-other":
            store.delete([m.id for m in store.messages()[::2]])
            print(0, flush=True)
        elif command == "quit":
            break
    runtime.stop()
    store.close()


class Child:
    def __init__(self, kind: str, db: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind, "--db", db],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.smtp, self.http, self.imap = map(int, self.proc.stdout.readline().split())

    def ask(self, command: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(60)


def smtp_source(port: int, messages: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["smtp-source", "-s", "20", "-l", "1024", "-d", "-m", str(messages), "-f",
         "app@example.com", "-t", "user@example.com", f"127.0.0.1:{port}"],
        check=True,
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def remove(db: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(db + suffix)


def ingest(kind: str, db: str) -> float:
    remove(db)
    child = Child(kind, db)
    try:
        took = smtp_source(child.smtp, MESSAGES)
        assert child.ask("count") == MESSAGES
        return MESSAGES / took
    finally:
        child.close()
        remove(db)


def _reader(http_port: int, imap_port: int, which: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    if which == 2:
        with imaplib.IMAP4("127.0.0.1", imap_port, timeout=120) as imap:
            imap.login("user@example.com", "x")
            imap.select("INBOX", readonly=True)
            while time.monotonic() < deadline:
                imap.fetch("1:*", "(FLAGS)")
        return
    path = "/api/v1/messages?limit=50" if which == 0 else "/api/v1/search?query=ordinary"
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=120)
        connection.request("GET", path)
        connection.getresponse().read()
        connection.close()


def replies(port: int, count: int) -> list[float]:
    """Milliseconds from the end of DATA to the 250, one message at a time."""
    times = []
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        for _ in range(count):
            smtp.mail("app@example.com")
            smtp.rcpt("user@example.com")
            smtp.putcmd("data")
            smtp.getreply()
            started = time.perf_counter()
            smtp.send(b"Subject: probe\r\n\r\nprobe\r\n.\r\n")
            smtp.getreply()
            times.append((time.perf_counter() - started) * 1000)
    return times


def p99(values: list[float]) -> float:
    values = sorted(values)
    return values[max(0, int(len(values) * 0.99) - 1)]


def _with_readers(child: Child) -> list[float]:
    """The 250's times while four clients loop over list, search and ``FETCH 1:*``."""
    readers = [
        multiprocessing.Process(target=_reader, args=(child.http, child.imap, n % 3, 40.0))
        for n in range(4)
    ]
    for reader in readers:
        reader.start()
    time.sleep(2.0)
    busy = replies(child.smtp, 300)
    for reader in readers:
        reader.terminate()
        reader.join()
    return busy


def readers_cost(db: str, stored: int) -> None:
    remove(db)
    child = Child("sqlite", db)
    try:
        for _ in range(stored // 10_000):
            smtp_source(child.smtp, 10_000)
        count = child.ask("count")
        for state in ("while the indexer catches up", "once indexed"):
            if state == "once indexed":
                child.ask("settle")
            alone = replies(child.smtp, 300)
            busy = _with_readers(child)
            print(
                f"SMTP 250 with {count:,} stored, {state}: p99 {p99(alone):.1f} ms alone, "
                f"{p99(busy):.1f} ms with 4 readers (target: at most +10 ms); "
                f"medians {statistics.median(alone):.1f} / {statistics.median(busy):.1f} ms"
            )
        child.ask("settle")
        sizes = [Path(db).stat().st_size]
        for command in ("delete-older-half", "delete-every-other"):
            child.ask(command)
            child.ask("settle")
            sizes.append(Path(db).stat().st_size)
        before, older, scattered = (size / 2**20 for size in sizes)
        print(
            f"database file: {before:,.1f} MiB; after deleting the older half {older:,.1f} MiB "
            f"({older / before:.0%}); after deleting every other message of the rest "
            f"{scattered:,.1f} MiB (pages stay half full)"
        )
    finally:
        child.close()
        remove(db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.db)
        return
    if shutil.which("smtp-source") is None:
        raise SystemExit("smtp-source is missing: apt-get install postfix (only the tool is used)")
    db = str(Path(tempfile.mkdtemp()) / "bench.db")
    rates: dict[str, list[float]] = {"memory": [], "sqlite": [], "sqlite-full": []}
    for _ in range(args.rounds):
        for kind, values in rates.items():
            values.append(ingest(kind, db))
    memory = statistics.median(rates["memory"])
    print(f"SMTP ingest, 1 KB x {MESSAGES:,}, 20 connections, median of {args.rounds}:")
    for kind, values in rates.items():
        rate = statistics.median(values)
        print(f"  {kind:12} {rate:8.0f}/s  ({rate / memory:.2f}x memory; runs: "
              + ", ".join(f"{v:.0f}" for v in values) + ")")  # fmt: skip
    readers_cost(db, args.stored)


if __name__ == "__main__":
    main()
