"""A stress test bounded in time: several IMAP connections do random APPEND, STORE, COPY, MOVE,
EXPUNGE, FETCH and SELECT on three shared folders of one account while SMTP delivers to it.

Each connection is a small client over a real socket that keeps the message sequence numbers
the way RFC 3501 says a client must (EXISTS appends, EXPUNGE removes and renumbers) and checks
every FETCH against that picture. Afterwards: no protocol error, no UID shown with two
messages, every connection's picture equal to the store's folder, and no message lost (only
EXPUNGE in Trash may remove one; the store's events tell which did).
"""

from __future__ import annotations

import random
import re
import smtplib
import socket
import threading
import time

from mailtrap.store import Delivered, Expunged, MailboxId

USER = "stress@example.com"
FOLDERS = ("INBOX", "Archive", "Trash")
CLIENTS = 4
DURATION = 1.5
_LITERAL = re.compile(rb"\{(\d+)\}\r\n\Z")
_FETCH = re.compile(rb"\* (\d+) FETCH \((.*)\)\r\n\Z", re.DOTALL)
_UID = re.compile(rb"UID (\d+)")
_SUBJECT = re.compile(rb"Subject: (\S+)")
#: RFC 3501 7.4.1: no EXPUNGE while answering these (their UID forms may have one).
_NO_EXPUNGE = (b"FETCH", b"STORE", b"SEARCH")


class ProtocolError(AssertionError):
    """The server broke RFC 3501 as this client sees it."""


class Wire:
    """An IMAP client over a socket that keeps its own picture of the selected folder."""

    def __init__(self, port: int, name: str, seen: dict, lock: threading.Lock) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=20)
        self.reader = self.sock.makefile("rb")
        self.name = name
        self.seen, self.lock = seen, lock
        self.tag = 0
        self.folder = ""
        self.uidvalidity = 0
        self.uids: list[int | None] = []
        self.searching = False
        self.log: list[bytes] = []
        assert self.response().startswith(b"* OK")

    def response(self) -> bytes:
        """One whole response, literals included."""
        data = self.reader.readline()
        while (match := _LITERAL.search(data)) is not None:
            data += self.reader.read(int(match.group(1)))
            data += self.reader.readline()
        if not data.endswith(b"\r\n"):
            raise ProtocolError(f"{self.name}: connection ended: {data!r}")
        return data

    def command(self, text: bytes, *, allow_no: tuple[bytes, ...] = ()) -> list[bytes]:
        self.tag += 1
        tag = b"t%d" % self.tag
        self.sock.sendall(tag + b" " + text + b"\r\n")
        untagged = []
        while True:
            line = self.response()
            self.log.append(line[:200])
            if line.startswith(tag + b" "):
                status = line.split(b" ", 2)[1]
                if status != b"OK" and not any(code in line for code in allow_no):
                    raise ProtocolError(f"{self.name}: {text[:80]!r} -> {line!r}")
                self.check()
                return untagged
            if line.startswith(b"* "):
                if line.endswith(b" EXPUNGE\r\n") and text.split()[0] in _NO_EXPUNGE:
                    raise ProtocolError(f"{self.name}: EXPUNGE during {text[:20]!r}")
                self.apply(line)
                untagged.append(line)
            elif not line.startswith(b"+ "):
                raise ProtocolError(f"{self.name}: stray line {line!r}")

    def apply(self, line: bytes) -> None:
        """What RFC 3501 7.3-7.4 tell a client to record."""
        words = line.rstrip(b"\r\n").split(b" ", 3)
        if len(words) >= 3 and words[2] == b"EXISTS":
            count = int(words[1])
            if count < len(self.uids):
                raise ProtocolError(f"{self.name}: EXISTS {count} below {len(self.uids)}")
            self.uids += [None] * (count - len(self.uids))
        elif len(words) >= 3 and words[2] == b"EXPUNGE":
            number = int(words[1])
            if not 1 <= number <= len(self.uids):
                raise ProtocolError(f"{self.name}: EXPUNGE {number} of {len(self.uids)}")
            del self.uids[number - 1]
        elif len(words) >= 3 and words[2] == b"RECENT":
            if int(words[1]) > len(self.uids):
                raise ProtocolError(f"{self.name}: RECENT beyond EXISTS")
        elif (match := _FETCH.match(line)) is not None:
            self.fetched(int(match.group(1)), match.group(2))
        elif line.startswith(b"* SEARCH") and self.searching:
            found = [int(word) for word in line.split()[2:]]
            if len(found) != len(self.uids):
                raise ProtocolError(
                    f"{self.name}: SEARCH ALL found {len(found)} of {len(self.uids)}"
                )
            self.uids = found
        elif line.startswith(b"* OK [UIDVALIDITY "):
            self.uidvalidity = int(line.split()[3].rstrip(b"]"))

    def fetched(self, number: int, items: bytes) -> None:
        if not 1 <= number <= len(self.uids):
            raise ProtocolError(f"{self.name}: FETCH for {number} of {len(self.uids)}")
        uid_match = _UID.search(items)
        if uid_match is None:
            return
        uid = int(uid_match.group(1))
        known = self.uids[number - 1]
        if known is not None and known != uid:
            raise ProtocolError(f"{self.name}: message {number} was UID {known}, now {uid}")
        self.uids[number - 1] = uid
        subject = _SUBJECT.search(items)
        if subject is not None:
            key = (self.folder, self.uidvalidity, uid)
            with self.lock:
                if self.seen.setdefault(key, subject.group(1)) != subject.group(1):
                    raise ProtocolError(f"{self.name}: {key} was {self.seen[key]!r}, now {subject}")

    def check(self) -> None:
        known = [uid for uid in self.uids if uid is not None]
        if known != sorted(set(known)):
            raise ProtocolError(f"{self.name}: UIDs out of order {known}")

    def learn_uids(self) -> None:
        """Every message's UID, in one response, checked against what FETCH said before."""
        self.searching = True
        self.command(b"UID SEARCH ALL")
        self.searching = False

    def select(self, folder: str) -> None:
        self.folder, self.uids = folder, []
        self.command(b"SELECT " + folder.encode())

    def msn(self, rng: random.Random) -> int | None:
        return rng.randint(1, len(self.uids)) if self.uids else None


def work(wire: Wire, rng: random.Random, until: float, created: list[bytes]) -> None:
    wire.command(b"LOGIN " + USER.encode() + b" x")
    wire.select(rng.choice(FOLDERS))
    wire.learn_uids()
    count = 0
    while time.monotonic() < until:
        action = rng.random()
        msn = wire.msn(rng)
        other = rng.choice([f for f in FOLDERS if f != wire.folder]).encode()
        if action < 0.15:
            count += 1
            token = b"%s-%d" % (wire.name.encode(), count)
            created.append(token)
            raw = b"Subject: " + token + b"\r\n\r\nbody\r\n"
            target = rng.choice(FOLDERS[:2]).encode()
            wire.command(b"APPEND %s (\\Seen) {%d+}\r\n%s" % (target, len(raw), raw))
        elif action < 0.35 and msn:
            last = min(len(wire.uids), msn + rng.randint(0, 3))
            wire.command(
                b"FETCH %d:%d (UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])" % (msn, last),
                allow_no=(b"[EXPUNGEISSUED]",),
            )
        elif action < 0.5 and msn:
            flag = b"\\Deleted" if wire.folder == "Trash" else b"\\Flagged"
            sign = rng.choice([b"+", b"-"]) if wire.folder != "Trash" else b"+"
            wire.command(b"STORE %d %sFLAGS (%s)" % (msn, sign, flag))
        elif action < 0.6 and msn:
            wire.command(b"COPY %d %s" % (msn, other))
        elif action < 0.75 and msn and wire.uids[msn - 1]:
            wire.command(b"UID MOVE %d %s" % (wire.uids[msn - 1], other))
        elif action < 0.82 and wire.folder == "Trash":
            wire.command(b"EXPUNGE")
        elif action < 0.85:
            wire.select(rng.choice(FOLDERS))
        else:
            wire.command(b"NOOP")


def deliver(trap, until: float, created: list[bytes]) -> None:
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=20) as smtp:
        number = 0
        while time.monotonic() < until:
            number += 1
            token = b"smtp-%d" % number
            created.append(token)
            smtp.sendmail("app@example.com", [USER], b"Subject: " + token + b"\r\n\r\nhi\r\n")
            time.sleep(0.02)


def test_many_connections_on_shared_folders(mailtrap_factory):
    trap = mailtrap_factory()
    store = trap.store
    subjects: dict[str, bytes] = {}
    removed: list[tuple[str, bytes]] = []

    def on_event(event: object) -> None:
        if isinstance(event, Delivered):
            summary = store.summary(event.message.id)
            subjects[event.message.id] = summary.subject.encode() if summary else b""
        elif isinstance(event, Expunged):
            removed.extend((event.mailbox.folder, subjects[i]) for i in event.removed)

    unsubscribe = store.subscribe(on_event)
    seen: dict = {}
    lock = threading.Lock()
    created: list[bytes] = []
    errors: list[BaseException] = []
    until = time.monotonic() + DURATION
    wires = [Wire(trap.imap_port, f"c{n}", seen, lock) for n in range(CLIENTS)]

    def run(target, *args) -> None:
        try:
            target(*args)
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=(work, wire, random.Random(n), until, created))
        for n, wire in enumerate(wires)
    ]
    threads.append(threading.Thread(target=run, args=(deliver, trap, until, created)))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(DURATION + 30)
    assert not any(thread.is_alive() for thread in threads)
    unsubscribe()
    assert not errors, errors[0]

    # every connection's picture is the store's folder, once told of everything
    time.sleep(0.2)
    for wire in wires:
        wire.command(b"NOOP")
        wire.learn_uids()
        snapshot = store.snapshot(MailboxId(USER, wire.folder))
        assert wire.uids == [e.uid for e in snapshot.entries], wire.name
        wire.command(b"LOGOUT")
        wire.sock.close()
    # UIDs unique and below UIDNEXT in every folder
    present: set[bytes] = set()
    for folder in FOLDERS:
        snapshot = store.snapshot(MailboxId(USER, folder))
        uids = [e.uid for e in snapshot.entries]
        assert uids == sorted(set(uids)) and (not uids or uids[-1] < snapshot.uidnext)
        present |= {store.summary(e.message.id).subject.encode() for e in snapshot.entries}
    # nothing lost: a message only leaves the store through EXPUNGE in Trash
    assert {folder for folder, _ in removed} <= {"Trash"}
    lost = set(created) - present - {subject for _, subject in removed}
    assert not lost, sorted(lost)[:10]
    assert len(created) > 50 and len(seen) > 50  # the test did real work
