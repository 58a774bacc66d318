"""Benchmark: IMAP on a mailbox of 10,000 messages: SELECT, UID FETCH 1:* (FLAGS), SEARCH.

Run from the repository root:  python bench/imap_mailbox.py  (--messages N, --runs N)

The server runs in a child process (SMTP and IMAP only) and seeds the mailbox straight into its
store; this process times each command with imaplib over loopback, from sending the command to
reading its tagged response, and prints the median and worst of several runs against the
targets of issue 6.
"""

from __future__ import annotations

import argparse
import imaplib
import statistics
import subprocess
import sys
import time

USER = "bench@example.com"
TARGETS_MS = {
    "SELECT INBOX": 50,
    "UID FETCH 1:* (FLAGS)": 200,
    "SEARCH SUBJECT x": 200,
}


def serve(messages: int) -> None:
    from mailtrap.config import SERVICE_NAMES, Config
    from mailtrap.store import MemoryStore
    from mailtrap.threaded import ThreadedRuntime

    ports = dict.fromkeys(SERVICE_NAMES)
    ports["smtp"] = ports["imap"] = 0
    store = MemoryStore()
    body = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 16).encode()
    for n in range(messages):
        subject = f"Report {n}" if n % 100 else f"Report {n} x-ray"
        head = f"From: app{n % 50}@example.org\r\nTo: {USER}\r\nSubject: {subject}\r\n"
        head += f"Message-ID: <{n}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
        store.deliver("app@example.org", [USER], head.encode() + b"\r\n" + body + b"\r\n")
    for n in range(0, messages, 3):
        store.store_flags(USER, [n + 1], ["\\Seen"], "add")
    runtime = ThreadedRuntime(Config(ports=ports), store, lazy=False)
    runtime.start()
    print(f"PORT {runtime.runtime.addresses['imap'].port}", flush=True)
    sys.stdin.read()
    runtime.stop()


def timed(client: imaplib.IMAP4, runs: int, command: str) -> list[float]:
    """Milliseconds per run, from sending the command to its tagged response."""
    name, *args = command.split(" ", 1)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        if name == "UID":
            verb, rest = args[0].split(" ", 1)
            status, _ = client.uid(verb, *rest.split(" ", 1))
        elif name == "SELECT":
            status, _ = client.select(args[0])
        else:
            status, _ = client.search(None, *args[0].split(" "))
        times.append((time.perf_counter() - start) * 1000)
        assert status == "OK", (command, status)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=15)
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
        client = imaplib.IMAP4("127.0.0.1", port)
        client.login(USER, "x")
        client._mesg = lambda *a: None  # no debug output
        print(f"mailbox: {options.messages} messages, {options.runs} runs each")
        print(f"{'command':28} {'median ms':>10} {'worst ms':>10} {'target ms':>10}  result")
        for command, target in TARGETS_MS.items():
            times = timed(client, options.runs, command)
            median = statistics.median(times)
            verdict = "ok" if median < target else "MISSED"
            print(f"{command:28} {median:10.1f} {max(times):10.1f} {target:10}  {verdict}")
        client.logout()
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(30)


if __name__ == "__main__":
    main()
