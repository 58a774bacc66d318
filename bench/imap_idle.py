"""Benchmark: SMTP delivery -> untagged EXISTS on an IDLE connection (latency).

Run from the repository root:  python bench/imap_idle.py  (--messages N, --idlers N)

The server runs in a child process (SMTP and IMAP). This process keeps one IMAP connection in
IDLE (plus --idlers other idling sessions on the same mailbox, to show the cost of fan-out) and
delivers one message at a time over a raw SMTP connection; the clock starts when the final
"." of DATA is sent and stops when "* n EXISTS" arrives on the watched connection.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time

USER = "idle@example.com"
TARGET_MS = 10.0


def serve() -> None:
    from mailtrap.config import SERVICE_NAMES, Config
    from mailtrap.store import MemoryStore
    from mailtrap.threaded import ThreadedRuntime

    ports = dict.fromkeys(SERVICE_NAMES)
    ports["smtp"] = ports["imap"] = 0
    runtime = ThreadedRuntime(Config(ports=ports), MemoryStore(), lazy=False)
    runtime.start()
    addresses = runtime.runtime.addresses
    print(f"PORTS {addresses['smtp'].port} {addresses['imap'].port}", flush=True)
    sys.stdin.read()
    runtime.stop()


class Lines:
    """Reads CRLF lines from a socket."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    def line(self) -> bytes:
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def until(self, predicate) -> bytes:
        while True:
            line = self.line()
            if predicate(line):
                return line


def idle_session(port: int) -> Lines:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    lines = Lines(sock)
    lines.line()
    sock.sendall(f"a LOGIN {USER} x\r\nb SELECT INBOX\r\nc IDLE\r\n".encode())
    lines.until(lambda line: line == b"+ idling")
    return lines


def smtp_command(sock: socket.socket, lines: Lines, command: bytes, code: bytes) -> None:
    sock.sendall(command)
    reply = lines.until(lambda line: line[3:4] == b" ")
    assert reply.startswith(code), reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--idlers", type=int, default=20)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve()
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        smtp_port, imap_port = map(int, child.stdout.readline().split()[1:])
        # Deliver once first, so the mailbox exists before the sessions select it.
        smtp = socket.create_connection(("127.0.0.1", smtp_port))
        smtp.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        replies = Lines(smtp)
        replies.until(lambda line: line[3:4] == b" ")
        smtp_command(smtp, replies, b"EHLO bench\r\n", b"250")

        def deliver(n: int) -> float:
            smtp_command(smtp, replies, b"MAIL FROM:<app@example.org>\r\n", b"250")
            smtp_command(smtp, replies, f"RCPT TO:<{USER}>\r\n".encode(), b"250")
            smtp_command(smtp, replies, b"DATA\r\n", b"354")
            smtp.sendall(f"Subject: ping {n}\r\nTo: {USER}\r\n\r\nhello\r\n".encode())
            start = time.perf_counter()
            smtp.sendall(b".\r\n")
            return start

        deliver(0)
        replies.until(lambda line: line[3:4] == b" ")
        watched = idle_session(imap_port)
        others = [idle_session(imap_port) for _ in range(options.idlers)]
        latencies = []
        for n in range(1, options.messages + 1):
            start = deliver(n)
            watched.until(lambda line: line.endswith(b" EXISTS"))
            latencies.append((time.perf_counter() - start) * 1000)
            replies.until(lambda line: line[3:4] == b" ")  # the 250 for DATA
            for other in others:
                other.until(lambda line: line.endswith(b" EXISTS"))
        latencies.sort()
        median = statistics.median(latencies)
        p95 = latencies[int(len(latencies) * 0.95) - 1]
        print(f"{options.messages} deliveries, 1 watched + {options.idlers} other IDLE sessions")
        print(f"end of DATA -> EXISTS: median {median:.2f} ms, p95 {p95:.2f} ms, ", end="")
        print(f"max {latencies[-1]:.2f} ms; target median < {TARGET_MS:g} ms: ", end="")
        print("ok" if median < TARGET_MS else "MISSED")
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(30)


if __name__ == "__main__":
    main()
