"""Benchmark: the query engine with 100,000 stored 1 KB messages (issue 13's targets).

Run from the repository root:  python bench/store_query.py  (--messages N, --senders N)

The server (SMTP, HTTP, IMAP) runs in a child process with every front-end, as on the command
line. Messages arrive over SMTP from --senders processes, one connection each; every message
is about 1 KB of words, to one mailbox, one in a thousand carries a rare word and every one a
common word. One second after the last 250, this process measures, one request at a time:
- the first API search for the rare word (0.1% of messages), then for the common word (its
  first page; the total counts every message);
- the API's list page (median of 20);
- IMAP SELECT of the 100,000-message INBOX, and SEARCH SUBJECT;
then the server's resident memory per message and what its search documents hold.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import imaplib
import json
import multiprocessing
import os
import random
import smtplib
import statistics
import subprocess
import sys
import time
from urllib.parse import urlencode

USER = "inbox@example.com"
RARE, COMMON = "quetzalcoatl", "ordinary"
#: Filler words: NATO's spelling alphabet.
WORDS = [
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
    "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
    "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
]  # fmt: skip
TARGET_MS = 300.0


def message(number: int) -> bytes:
    rng = random.Random(number)
    words = [COMMON] + [rng.choice(WORDS) for _ in range(150)]
    if number % 1000 == 7:
        words.insert(rng.randrange(len(words)), RARE)
    lines, line = [], []
    for word in words:
        line.append(word)
        if len(line) == 11:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    head = (
        f"From: Sender {number % 97} <s{number % 97}@example.com>\r\nTo: {USER}\r\n"
        f"Subject: message number {number}\r\nMessage-ID: <{number}@bench.example>\r\n"
        f"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\n"
    )
    return (head + "\r\n".join(lines) + "\r\n").encode()


def serve(db: str | None) -> None:
    from mailtrap.config import Config
    from mailtrap.runtime import tune_server_process
    from mailtrap.store import MemoryStore, SqliteStore
    from mailtrap.store.searchdoc import doc_size
    from mailtrap.threaded import ThreadedRuntime

    started = time.perf_counter()
    store = SqliteStore(db) if db else MemoryStore()
    opened = time.perf_counter() - started
    tune_server_process()  # as the command line runs
    runtime = ThreadedRuntime(Config(), store, lazy=False)  # every front-end built, as the CLI
    runtime.start()
    addresses = runtime.runtime.addresses
    print(
        "PORTS",
        addresses["smtp"].port,
        addresses["http"].port,
        addresses["imap"].port,
        f"{opened:.3f}",
        flush=True,
    )
    for line in sys.stdin:
        command = line.strip()
        if command == "memory":
            with open("/proc/self/status") as status:
                rss = next(int(x.split()[1]) * 1024 for x in status if x.startswith("VmRSS:"))
            raw = sum(m.size for m in store.messages())
            docs = [store.doc(m.id) for m in store.messages()[:1000]]
            per_doc = statistics.mean(doc_size(d) for d in docs if d is not None)
            print(json.dumps({"rss": rss, "raw": raw, "doc": per_doc}), flush=True)
        elif command == "indexed":
            print(json.dumps(store.indexed()), flush=True)
        elif command == "quit":
            break
    runtime.stop()
    store.close()


def _send(port: int, numbers: range) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        for number in numbers:
            smtp.sendmail("bench@example.com", [USER], message(number))


def ingest(port: int, messages: int, senders: int) -> float:
    share = -(-messages // senders)
    workers = [
        multiprocessing.Process(
            target=_send, args=(port, range(i * share, min(messages, (i + 1) * share)))
        )
        for i in range(senders)
    ]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return time.perf_counter() - started


def get(port: int, path: str, **params: object) -> tuple[float, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", f"{path}?{urlencode(params)}")
    response = connection.getresponse()
    body = response.read()
    took = (time.perf_counter() - started) * 1000
    connection.close()
    assert response.status == 200, (path, response.status, body[:200])
    return took, json.loads(body)


def verdict(ms: float, target: float = TARGET_MS) -> str:
    return f"{ms:8.1f} ms  (target < {target:g} ms: {'met' if ms < target else 'MISSED'})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--db", help="an SQLite database to use (default: the memory store)")
    parser.add_argument(
        "--reuse", action="store_true", help="with --db: measure the mail already in it"
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.db)
        return
    if args.db and not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(args.db + suffix)
    command = [sys.executable, __file__, "--serve"] + (["--db", args.db] if args.db else [])
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None

    def ask(command: str) -> object:
        child.stdin.write(command + "\n")
        child.stdin.flush()
        return json.loads(child.stdout.readline())

    try:
        _, smtp_port, http_port, imap_port, opened = child.stdout.readline().split()
        smtp_port, http_port, imap_port = int(smtp_port), int(http_port), int(imap_port)
        where = f" ({args.db})" if args.db else ""
        print(f"store opened in {float(opened) * 1000:.0f} ms{where}")
        if not args.reuse:
            took = ingest(smtp_port, args.messages, args.senders)
            print(
                f"ingested {args.messages:,} messages over SMTP in {took:.1f} s "
                f"({args.messages / took:,.0f}/s, {args.senders} connections)"
            )
        time.sleep(1.0)
        caught_up = ask("indexed")
        print(f"indexer caught up 1 s after the last 250: {caught_up}")
        if args.db and not caught_up:  # issue 14's targets are for stored, indexed mail
            waited = time.perf_counter()
            while not ask("indexed"):
                time.sleep(0.5)
            print(f"indexer caught up {time.perf_counter() - waited + 1:.0f} s after the last 250")
        rare_ms, rare = get(http_port, "/api/v1/search", query=RARE)
        expected = len(range(7, args.messages, 1000))
        assert rare["messages_count"] == expected, (rare["messages_count"], expected)
        target = 100.0 if args.db else TARGET_MS
        print(f"first API search, a word in 0.1%:        {verdict(rare_ms, target)}")
        common_ms, common = get(http_port, "/api/v1/search", query=COMMON)
        assert common["messages_count"] == args.messages and len(common["messages"]) == 50
        print(f"API search, a word in every message:     {verdict(common_ms)}")
        again_ms, _ = get(http_port, "/api/v1/search", query=RARE)
        print(f"the rare word again:                     {again_ms:8.1f} ms")
        lists = [get(http_port, "/api/v1/messages", limit=50)[0] for _ in range(20)]
        print(f"API list page (median of 20):            {verdict(statistics.median(lists), 50)}")
        with imaplib.IMAP4("127.0.0.1", imap_port, timeout=120) as imap:
            imap.login(USER, "x")
            started = time.perf_counter()
            status, data = imap.select("INBOX")
            select_ms = (time.perf_counter() - started) * 1000
            assert status == "OK" and int(data[0]) == args.messages
            print(f"IMAP SELECT of {args.messages:,}:               {verdict(select_ms)}")
            started = time.perf_counter()
            status, data = imap.search(None, "SUBJECT", f'"number {args.messages // 2}"')
            search_ms = (time.perf_counter() - started) * 1000
            assert status == "OK" and data[0]
            print(f"IMAP SEARCH SUBJECT:                     {verdict(search_ms)}")
            imap.logout()
        memory = ask("memory")
        per_message = (memory["rss"] - 0) / args.messages
        print(
            f"server resident memory: {memory['rss'] / 2**20:,.0f} MiB "
            f"({per_message:,.0f} B per message, raw {memory['raw'] / args.messages:,.0f} B); "
            f"a search document holds about {memory['doc']:,.0f} B"
        )
    finally:
        child.stdin.write("quit\n")
        child.stdin.flush()
        child.wait(30)


if __name__ == "__main__":
    main()
