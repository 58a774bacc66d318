"""Benchmark: the HTTP API against issue 4's targets, plus the serving arrangement's throughput.

Run from the repository root:  python bench/http_api.py  (--messages N, --samples N)

The server (SMTP + HTTP) runs in a child process whose store is seeded with --messages
messages. This process measures, one request at a time over a keep-alive connection:
- GET /api/v1/messages?limit=50 and GET /api/v1/message/{ID} (median, p95);
- SMTP delivery -> "new" frame on a websocket client, and -> the answer of a waiting
  GET /api/v1/wait: delivery is the server's 250 reply to DATA (the store announces the
  message just before sending it, so a push may even beat the 250); a second line clocks from
  the start of the SMTP transaction, an upper bound that includes the whole SMTP exchange;
then requests/s from a few load-generating processes on /livez and on the list route, and
finally how long ``with MailTrap()`` takes to start and stop every server in-process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import smtplib
import statistics
import subprocess
import sys
import threading
import time
from urllib.parse import urlencode

TARGETS_MS = {
    "GET /api/v1/messages?limit=50": 20.0,
    "GET /api/v1/message/{ID}": 10.0,
    "SMTP delivery -> websocket new frame": 10.0,
    "SMTP delivery -> wait answered": 5.0,
}


def serve(messages: int) -> None:
    from mailtrap.config import SERVICE_NAMES, Config
    from mailtrap.store import MemoryStore
    from mailtrap.threaded import ThreadedRuntime

    store = MemoryStore()
    for number in range(messages):
        raw = (
            f"From: Sender {number} <s{number}@example.com>\r\nTo: r{number % 50}@example.com\r\n"
            f"Subject: seeded message {number}\r\nMessage-ID: <{number}@bench>\r\n"
            f"Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nBody of message {number}.\r\n"
        ).encode()
        store.deliver(f"s{number}@example.com", [f"r{number % 50}@example.com"], raw)
    ports = dict.fromkeys(SERVICE_NAMES)
    ports["smtp"] = ports["http"] = 0
    runtime = ThreadedRuntime(Config(ports=ports), store, lazy=False)
    runtime.start()
    addresses = runtime.runtime.addresses
    print(f"PORTS {addresses['smtp'].port} {addresses['http'].port}", flush=True)
    sys.stdin.read()
    runtime.stop()


def summary(name: str, samples: list[float]) -> str:
    samples = sorted(samples)
    median = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    target = TARGETS_MS.get(name)
    verdict = (
        ""
        if target is None
        else f"  target < {target:g} ms: {'met' if median < target else 'MISSED'}"
    )
    return f"{name:42} median {median:7.2f} ms  p95 {p95:7.2f} ms{verdict}"


def timed_gets(port: int, paths: list[str]) -> list[float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for path in paths:
        started = time.perf_counter()
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    connection.close()
    return times


def message(subject: str) -> bytes:
    return (
        f"From: bench@example.com\r\nTo: live@example.com\r\nSubject: {subject}\r\n\r\nhello\r\n"
    ).encode()


def websocket_latency(smtp_port: int, http_port: int, samples: int) -> list[tuple[float, float]]:
    """(ms from the start of the SMTP transaction, ms from its 250 reply) per message."""
    from websockets.sync.client import connect

    times = []
    with (
        connect(f"ws://127.0.0.1:{http_port}/api/events") as ws,
        smtplib.SMTP("127.0.0.1", smtp_port) as smtp,
    ):
        ws.recv(timeout=5)  # the first stats frame: registered
        for number in range(samples):
            subject = f"live {number}"
            started = time.perf_counter()
            smtp.sendmail("bench@example.com", ["live@example.com"], message(subject))
            accepted = time.perf_counter()
            while True:
                frame = json.loads(ws.recv(timeout=5))
                if frame["Type"] == "new" and frame["Data"]["Subject"] == subject:
                    break
            now = time.perf_counter()
            times.append(((now - started) * 1000, (now - accepted) * 1000))
    return times


def wait_latency(smtp_port: int, http_port: int, samples: int) -> list[tuple[float, float]]:
    """(ms from the start of the SMTP transaction, ms from its 250 reply) per message."""
    times = []
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:
        for number in range(samples):
            subject = f"awaited-{number}"
            answered: list[float] = []
            connection = http.client.HTTPConnection("127.0.0.1", http_port, timeout=30)

            def wait(conn=connection, subject=subject, answered=answered) -> None:
                query = urlencode({"query": f"subject:{subject}", "timeout": 10})
                conn.request("GET", f"/api/v1/wait?{query}")
                response = conn.getresponse()
                response.read()
                answered.append(time.perf_counter())
                assert response.status == 200

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.02)  # let the long-poll register
            started = time.perf_counter()
            smtp.sendmail("bench@example.com", ["live@example.com"], message(subject))
            accepted = time.perf_counter()
            waiter.join()
            connection.close()
            times.append(((answered[0] - started) * 1000, (answered[0] - accepted) * 1000))
    return times


def _load(port: int, path: str, seconds: float, results: multiprocessing.Queue) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done, deadline = 0, time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        done += 1
    results.put(done)


def throughput(port: int, path: str, clients: int, seconds: float) -> float:
    results: multiprocessing.Queue = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_load, args=(port, path, seconds, results))
        for _ in range(clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    return total / seconds


def start_stop(runs: int) -> tuple[list[float], list[float]]:
    from mailtrap import MailTrap

    MailTrap().start().stop()  # imports and first-use costs are not start-up
    starts, stops = [], []
    for _ in range(runs):
        started = time.perf_counter()
        trap = MailTrap().start()
        starts.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        trap.stop()
        stops.append((time.perf_counter() - started) * 1000)
    return starts, stops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        serve(args.serve)
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(args.messages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = child.stdout.readline().split()
        smtp_port, http_port = int(line[1]), int(line[2])
        print(f"{args.messages} messages stored; {args.samples} samples each\n")
        list_path = "/api/v1/messages?limit=50"
        timed_gets(http_port, [list_path] * 5)  # warm: body facts of the first page
        print(summary(f"GET {list_path}", timed_gets(http_port, [list_path] * args.samples)))
        # IDs spread over the store, so most details parse a message not seen before.
        ids = [
            m["ID"]
            for start in range(0, args.samples, 50)
            for m in _json(http_port, f"/api/v1/messages?limit=50&start={start * 7}")["messages"]
        ][: args.samples]
        detail = timed_gets(http_port, [f"/api/v1/message/{i}" for i in ids])
        print(summary("GET /api/v1/message/{ID}", detail))
        search = timed_gets(http_port, ["/api/v1/search?query=subject:%22message%209999%22"] * 20)
        print(summary("GET /api/v1/search?query=subject:...", search))
        pushed = websocket_latency(smtp_port, http_port, args.samples)
        print(summary("SMTP delivery -> websocket new frame", [b for _, b in pushed]))
        print(summary("  (clock from SMTP start, upper bound)", [a for a, _ in pushed]))
        answered = wait_latency(smtp_port, http_port, min(args.samples, 100))
        print(summary("SMTP delivery -> wait answered", [b for _, b in answered]))
        print(summary("  (clock from SMTP start, upper bound)", [a for a, _ in answered]))
        print()
        for path in ("/livez", list_path):
            for clients in (1, 4):
                rate = throughput(http_port, path, clients, 3.0)
                print(f"GET {path:34} {clients} client(s): {rate:7.0f} requests/s")
    finally:
        child.stdin.close()
        child.wait(30)
    starts, stops = start_stop(20)
    print(
        f"\nwith MailTrap(): start median {statistics.median(starts):.1f} ms "
        f"(max {max(starts):.1f}), stop median {statistics.median(stops):.1f} ms "
        f"(max {max(stops):.1f}); target: start < 100 ms"
    )


def _json(port: int, path: str) -> dict:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path)
    data = json.loads(connection.getresponse().read())
    connection.close()
    return data


if __name__ == "__main__":
    main()
