"""Benchmark: big but legitimate mail still works, and what hostile input costs the others.

Run from the repository root:  python bench/hostile.py  (--skip-attacks for the first part only)

The server runs in a child process (every service on one loop, as the command line runs it);
this process is the client. Part one times legitimate extremes end to end: a 25 MiB message
with 500 attachments (SMTP, the API's message view, IMAP FETCH BODYSTRUCTURE and BODY[], POP3
RETR) and a mail to 2,000 recipients (SMTP, the list, IMAP SEARCH in one recipient's mailbox).
A 1,000-folder IMAP account waits for IMAP part 2 (folders). Part two replays issue 17's
findings and reports, for each, how long the attack took and how long IMAP NOOPs on another
connection waited meanwhile (median and worst; the acceptance bound is 100 ms / 500 ms).
"""

from __future__ import annotations

import argparse
import email.policy
import imaplib
import json
import os
import poplib
import smtplib
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from email.message import EmailMessage

USER = "bench@example.com"


def serve() -> None:
    from mailtrap.config import SERVICE_NAMES, Config
    from mailtrap.store import MemoryStore
    from mailtrap.threaded import ThreadedRuntime

    ports = dict.fromkeys(SERVICE_NAMES)
    ports.update(smtp=0, http=0, pop3=0, imap=0)
    runtime = ThreadedRuntime(Config(ports=ports), MemoryStore())
    runtime.start()
    found = {name: address.port for name, address in runtime.runtime.addresses.items()}
    print(json.dumps(found), flush=True)
    sys.stdin.read()
    runtime.stop()


class Client:
    def __init__(self, ports: dict[str, int]) -> None:
        self.ports = ports
        self.base = f"http://127.0.0.1:{ports['http']}"

    def get(self, path: str) -> bytes:
        with urllib.request.urlopen(self.base + path, timeout=300) as reply:
            return reply.read()

    def send(self, rcpt: list[str], raw: bytes) -> None:
        with smtplib.SMTP("127.0.0.1", self.ports["smtp"], timeout=300) as smtp:
            smtp.sendmail("app@example.com", rcpt, raw)

    def imap(self, user: str = USER) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.ports["imap"], timeout=300)
        imap.login(user, "x")
        return imap


def timed(label: str, action) -> object:
    start = time.perf_counter()
    result = action()
    print(f"  {label:58} {(time.perf_counter() - start) * 1000:9.0f} ms")
    return result


def legitimate(client: Client) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", USER, "big"
    message.set_content("Five hundred attachments follow.")
    for n in range(500):
        message.add_attachment(os.urandom(38_000), "application", "octet-stream", filename=f"{n}")
    raw = message.as_bytes(policy=email.policy.SMTP)
    print(f"a {len(raw) / 2**20:.1f} MiB message with 500 attachments:")
    timed("SMTP send", lambda: client.send([USER], raw))
    listed = json.loads(timed("GET /api/v1/messages", lambda: client.get("/api/v1/messages")))
    message_id = listed["messages"][0]["ID"]
    view = json.loads(
        timed("GET /api/v1/message/{ID}", lambda: client.get(f"/api/v1/message/{message_id}"))
    )
    assert len(view["Attachments"]) == 500, len(view["Attachments"])
    imap = client.imap()
    imap.select("INBOX")
    timed("IMAP FETCH 1 (BODYSTRUCTURE)", lambda: imap.fetch("1", "(BODYSTRUCTURE)"))
    timed("IMAP FETCH 1 (BODY[])", lambda: imap.fetch("1", "(BODY[])"))
    imap.logout()
    pop3 = poplib.POP3("127.0.0.1", client.ports["pop3"], timeout=300)
    pop3.user(USER)
    pop3.pass_("x")
    timed("POP3 RETR 1", lambda: pop3.retr(1))
    pop3.quit()

    recipients = [f"user{n}@example.com" for n in range(2000)]
    to = ",\r\n ".join(f'"User {n}" <user{n}@example.com>' for n in range(2000))
    raw = f"From: app@example.com\r\nTo: {to}\r\nSubject: everyone\r\n\r\nhello\r\n".encode()
    print("a mail to 2,000 recipients:")
    timed("SMTP send (2,000 RCPT TO)", lambda: client.send(recipients, raw))
    listed = json.loads(timed("GET /api/v1/messages", lambda: client.get("/api/v1/messages")))
    assert len(listed["messages"][0]["To"]) == 2000, len(listed["messages"][0]["To"])
    imap = client.imap("user1999@example.com")
    imap.select("INBOX")
    timed(
        "IMAP SEARCH TO user1999 (one recipient's mailbox)",
        lambda: imap.search(None, "TO", "user1999"),
    )
    imap.logout()
    print("a 1,000-folder IMAP account: waits for IMAP part 2 (folders are not there yet)")


def probing(client: Client, attack) -> tuple[float, float, float]:
    """Run ``attack`` in a thread; NOOP on another IMAP connection meanwhile."""
    imap = client.imap("probe@example.com")
    done = threading.Event()
    took = []

    def run() -> None:
        start = time.perf_counter()
        try:
            attack()
        finally:
            took.append(time.perf_counter() - start)
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    waits = []
    thread.start()
    while not done.is_set() or len(waits) < 20:
        start = time.perf_counter()
        imap.noop()
        waits.append(time.perf_counter() - start)
        time.sleep(0.01)
    thread.join()
    imap.logout()
    return took[0], statistics.median(waits), max(waits)


def attacks(client: Client) -> None:
    def raw_imap(data: bytes) -> None:
        sock = socket.create_connection(("127.0.0.1", client.ports["imap"]), timeout=300)
        sock.recv(4096)
        sock.sendall(b"a LOGIN bench@example.com x\r\nb SELECT INBOX\r\n")
        sock.sendall(data)
        sock.sendall(b"z LOGOUT\r\n")
        while sock.recv(65536):
            pass
        sock.close()

    line = b" " + b"x" * 60000 + b" {0+}\r\n"
    print("  (sending 4,000 messages for the SEARCH case first)")
    for n in range(4000):
        client.send([USER], b"Subject: %d\r\n\r\nx\r\n" % n)
    cases = {
        "1 LIST with a 60,000-octet %* pattern": lambda: raw_imap(
            b'c LIST "" "' + b"%*" * 30000 + b'I"\r\n'
        ),
        "2 a 300 MB command chained with {0+}": lambda: raw_imap(
            b"c SEARCH TEXT {0+}\r\n" + line * (300 * 2**20 // len(line)) + b" ALL\r\n"
        ),
        "3 SEARCH with 16,000 1:* ranges, 4,000 messages": lambda: raw_imap(
            b"c SEARCH " + b",".join([b"1:*"] * 16000) + b"\r\n"
        ),
        "5 a To: of 60,000 addresses, sent and viewed": lambda: (
            client.send([USER], b"To: " + b"a," * 60000 + b"a\r\nSubject: many\r\n\r\nx\r\n"),
            client.get("/api/v1/message/latest"),
        ),
        "6 200,000 empty MIME parts, sent and viewed": lambda: (
            client.send(
                [USER],
                b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"--b\r\n\r\n" * 200_000,
            ),
            client.get("/api/v1/message/latest"),
        ),
    }
    print(f"  {'finding':50} {'attack s':>9} {'NOOP median ms':>15} {'worst ms':>9}")
    for label, attack in cases.items():
        took, median, worst = probing(client, attack)
        print(f"  {label:50} {took:9.2f} {median * 1000:15.1f} {worst * 1000:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-attacks", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve()
        return
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        client = Client(json.loads(child.stdout.readline()))
        legitimate(client)
        if not options.skip_attacks:
            print("hostile input (issue 17), with IMAP NOOPs on another connection meanwhile:")
            attacks(client)
    finally:
        if child.stdin:
            child.stdin.close()
        child.wait(30)


if __name__ == "__main__":
    main()
