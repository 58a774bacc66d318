"""Benchmark: SMTP ingest, delivery latency, memory, start-up and clear() of the core.

Run from the repository root:  python bench/smtp_ingest.py  (add --quick for a short smoke run)

Load comes from Postfix's smtp-source (Debian package postfix; only the tool is used) in its own
process; each server under test runs in a child process of its own, so the three never share a
core's worth of Python. Every ingest scenario runs against mailtrap and, in the same run, against
a bare aiosmtpd server whose handler only answers 250, and prints both and their ratio, with
the CPU time each server spent per message (the steadier figure on a machine shared with other
work: the rate depends on how much of the machine the three processes get). Each scenario runs
``--rounds`` times against each server, alternating which goes first; the figures are medians,
the ratio is the median of each round's, with the lowest and highest in brackets (on a shared
2-core machine one server's run can take half again the CPU per message of its others).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

SCENARIOS = [
    # name, smtp-source arguments, messages
    ("1 KB x 5,000, 1 connection", ["-s", "1", "-l", "1024", "-d"], 5000),
    ("1 KB x 5,000, 20 connections", ["-s", "20", "-l", "1024", "-d"], 5000),
    ("100 KB x 1,000, 20 connections", ["-s", "20", "-l", "102400", "-d"], 1000),
]


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


# -- child: one server under test, driven by commands on stdin ----------------------------------


def serve(kind: str) -> None:
    if kind == "mailtrap":
        from mailtrap.config import Config
        from mailtrap.store import MemoryStore
        from mailtrap.threaded import ThreadedRuntime

        # Every server is built and runs, as with the command line: their store subscribers count.
        store = MemoryStore()
        runtime = ThreadedRuntime(Config(), store, lazy=False)
        runtime.start()
        port = runtime.runtime.addresses["smtp"].port
        http_port = runtime.runtime.addresses["http"].port
        count = store.count
        stop = runtime.stop
    else:
        store, count, port, stop = None, *_bare_aiosmtpd()
        http_port = 0
    print(f"PORT {port} {http_port}", flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "count":
            print(count(), flush=True)
        elif command == "rss":
            print(rss_bytes(), flush=True)
        elif command == "cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(int((usage.ru_utime + usage.ru_stime) * 1e6), flush=True)
        elif command == "rawbytes":
            print(sum(m.size for m in store.messages()) if store else 0, flush=True)
        elif command == "search":
            print(_search_everything(store, http_port), flush=True)
        elif command == "indexed":  # wait for the indexer, then the bytes its documents hold
            while store is not None and not store.indexed():
                time.sleep(0.01)
            print(_document_bytes(store) if store else 0, flush=True)
        elif command == "clear":
            store.clear()
            print(0, flush=True)
        elif command == "quit":
            break
    stop()


def _search_everything(store, http_port: int) -> int:
    """A search pass over every message: the Python API's filters and the HTTP API's free-text
    search, which reads every message's body."""
    import json
    import urllib.request

    from mailtrap.testing import filter_of

    hits = store.query(filter_of({"to": "nobody@example.com", "subject": "nothing-matches"})).total
    url = f"http://127.0.0.1:{http_port}/api/v1/search?query=nothing-matches&limit=1"
    with urllib.request.urlopen(url, timeout=120) as reply:
        hits += json.load(reply)["messages_count"]
    return hits


def _document_bytes(store) -> int:
    from mailtrap.store.searchdoc import doc_size

    return sum(doc_size(store.doc(m.id)) for m in store.messages())


def _bare_aiosmtpd():
    from aiosmtpd.smtp import SMTP

    delivered = [0]

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            delivered[0] += 1
            return "250 OK"

    ready = threading.Event()
    box = {}

    def run():
        loop = asyncio.new_event_loop()
        box["loop"] = loop
        server = loop.run_until_complete(
            loop.create_server(
                lambda: SMTP(Handler(), hostname="localhost", enable_SMTPUTF8=True, loop=loop),
                "127.0.0.1",
                0,
            )
        )
        box["port"] = server.sockets[0].getsockname()[1]
        ready.set()
        loop.run_forever()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    ready.wait()

    def stop():
        box["loop"].call_soon_threadsafe(box["loop"].stop)
        thread.join(5)

    return (lambda: delivered[0]), box["port"], stop


# -- parent -----------------------------------------------------------------------------------


class Child:
    def __init__(self, kind: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self.proc.stdout.readline().split()[1])

    def ask(self, command: str) -> int:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(10)


def smtp_source(port: int, args: list[str], messages: int) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "smtp-source",
            *args,
            "-m",
            str(messages),
            "-M",
            "localhost",
            "-f",
            "app@example.com",
            "-t",
            "user@example.com",
            "-S",
            "benchmark",
            f"127.0.0.1:{port}",
        ],
        check=True,
        timeout=600,
    )
    return time.perf_counter() - started


def ingest(kind: str, args: list[str], messages: int) -> tuple[float, float]:
    """Messages per second, and the server's CPU microseconds per message (all its threads;
    much less disturbed than the rate when other work shares the machine)."""
    child = Child(kind)
    try:
        smtp_source(child.port, ["-s", "1", "-l", "1024", "-d"], 50)  # warm up
        cpu_before = child.ask("cpu")
        took = smtp_source(child.port, args, messages)
        cpu = child.ask("cpu") - cpu_before
        stored = child.ask("count")
        if stored != messages + 50:
            raise SystemExit(f"{kind}: {stored} delivered, expected {messages + 50}")
        return messages / took, cpu / messages
    finally:
        child.close()


def latency(samples: int) -> tuple[float, float]:
    """End of DATA -> visible to wait_for, one message at a time, in milliseconds."""
    from mailtrap import MailTrap

    results = []
    with MailTrap() as trap, smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        smtp.ehlo()
        smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = b"Subject: latency\r\n\r\n" + b"x" * 1000 + b"\r\n"
        for n in range(1, samples + 1):
            seen: dict[str, float] = {}

            def wait(n=n, seen=seen):
                trap.wait_for(count=n, timeout=5)
                seen["t"] = time.perf_counter()

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.002)  # let the waiter block first
            smtp.mail("a@example.com")
            smtp.rcpt("b@example.com")
            smtp.putcmd("data")
            smtp.getreply()
            sent = time.perf_counter()
            smtp.send(body + b".\r\n")
            smtp.getreply()
            waiter.join()
            results.append((seen["t"] - sent) * 1000)
    results.sort()
    return statistics.median(results), results[int(len(results) * 0.99) - 1]


def memory(messages: int) -> tuple[float, float, float, int]:
    """Bytes per message beyond the raw bytes: after ingest, once indexed, and what the search
    documents hold of that."""
    child = Child("mailtrap")
    try:
        # Warm up first, so imports and first-use caches are not counted against the messages.
        smtp_source(child.port, ["-s", "20", "-l", "1024", "-d"], 200)
        child.ask("search")
        child.ask("clear")
        before = child.ask("rss")
        smtp_source(child.port, ["-s", "20", "-l", "1024", "-d"], messages)
        assert child.ask("count") == messages
        raw = child.ask("rawbytes")
        after_ingest = child.ask("rss")
        documents = child.ask("indexed")
        child.ask("search")
        after_search = child.ask("rss")
    finally:
        child.close()
    per = lambda rss: (rss - before - raw) / messages  # noqa: E731
    return per(after_ingest), per(after_search), documents / messages, raw // messages


def startup_and_clear() -> tuple[float, float]:
    from mailtrap import MailTrap

    starts = []
    for _ in range(10):
        began = time.perf_counter()
        trap = MailTrap().start()
        starts.append((time.perf_counter() - began) * 1000)
        trap.stop()
    clears = []
    with MailTrap() as trap, smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        for _ in range(5):
            for _ in range(200):
                smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: c\r\n\r\nx\r\n")
            trap.wait_for(count=200)
            began = time.perf_counter()
            trap.clear()
            clears.append((time.perf_counter() - began) * 1000)
    return statistics.median(starts), statistics.median(clears)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", choices=["mailtrap", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="a tenth of the load, for a smoke run")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each scenario per server")
    options = parser.parse_args()
    if options.serve:
        serve(options.serve)
        return
    if shutil.which("smtp-source") is None:
        raise SystemExit("smtp-source is missing: apt-get install postfix (only the tool is used)")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    scale = 10 if options.quick else 1
    print(f"mailtrap SMTP ingest benchmark ({os.cpu_count()} cores, {options.rounds} rounds each)")
    print(
        f"{'scenario':34} {'mailtrap/s':>11} {'aiosmtpd/s':>11} {'ratio':>6} {'[range]':12}"
        f"   server CPU us/msg: {'mailtrap':>8} {'aiosmtpd':>8} {'ratio':>6} [range]"
    )
    for name, args, messages in SCENARIOS:
        rounds = []
        for number in range(options.rounds):
            kinds = ("mailtrap", "bare") if number % 2 == 0 else ("bare", "mailtrap")
            results = {kind: ingest(kind, args, messages // scale) for kind in kinds}
            rounds.append((*results["mailtrap"], *results["bare"]))
        ours, our_cpu, bare, bare_cpu = (
            statistics.median(column) for column in zip(*rounds, strict=True)
        )
        rates = sorted(o / b for o, _, b, _ in rounds)
        cpus = sorted(bc / oc for _, oc, _, bc in rounds)
        print(
            f"{name:34} {ours:11.0f} {bare:11.0f} {statistics.median(rates):6.2f}"
            f" [{rates[0]:.2f}..{rates[-1]:.2f}]"
            f"   {our_cpu:8.0f} {bare_cpu:8.0f} {statistics.median(cpus):6.2f}"
            f" [{cpus[0]:.2f}..{cpus[-1]:.2f}]",
            flush=True,
        )
    median, p99 = latency(300 // scale)
    print(f"end of DATA -> visible to wait_for: median {median:.3f} ms, p99 {p99:.3f} ms")
    after_ingest, after_search, documents, size = memory(10_000 // scale)
    print(
        f"memory beyond raw bytes, per {size}-byte message: {after_ingest:.0f} B after ingest, "
        f"{after_search:.0f} B once indexed and searched (of which {documents:.0f} B are "
        "its search document)"
    )
    start, clear = startup_and_clear()
    print(f"with MailTrap(): start {start:.1f} ms (median of 10); clear() {clear:.3f} ms")


if __name__ == "__main__":
    main()
