"""Issue 17 findings 1-3, reproduced at their size against a running server: LIST patterns,
unbounded commands, sequence sets. Other clients are served meanwhile, memory stays bounded."""

from __future__ import annotations

import imaplib
import socket
import threading

from attacks import MiB, memory_bound

USER = "victim@example.com"


def imap_login(trap) -> imaplib.IMAP4:
    imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=30)
    imap.login(USER, "x")
    return imap


def test_finding_1_backtracking_list_pattern(mailtrap, probes):
    # "%*%*...%*I": 61 octets took 0.7 s, 81 octets 3.6 s, ~100 octets minutes.
    mailtrap.store.deliver("a@example.com", [USER], b"Subject: x\r\n\r\nx\r\n")
    imap = imap_login(mailtrap)
    patterns = [b"%*" * n + b"I" for n in (30, 40, 50, 5000, 30000)]

    def attack() -> None:
        for pattern in patterns:
            typ, _ = imap._simple_command("LIST", b'""', b'"' + pattern + b'"')
            assert typ == "OK"

    with memory_bound(16 * MiB):  # the test's own clients count too
        probes.during(attack, repeat=True)
    # the server still lists: INBOX, then the special-use folders made at login (IMAP part 2)
    listed = imap.list('""', "*")[1]
    assert listed[0] == b'(\\HasNoChildren) "/" INBOX'
    names = {line.rsplit(b" ", 1)[1] for line in listed}
    assert names == {b"INBOX", b"Drafts", b"Sent", b"Trash", b"Junk", b"Archive"}
    imap.logout()


def read_line(sock: socket.socket, buffer: bytearray) -> bytes:
    while b"\r\n" not in buffer:
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        buffer += data
    line, _, rest = bytes(buffer).partition(b"\r\n")
    buffer[:] = rest
    return line


def test_finding_2_a_300_mb_command_chained_with_literals(mailtrap, probes):
    # "{0+}" started another line without limit: 300 MB held +264 MB until the command ended.
    sock = socket.create_connection((mailtrap.smtp_host, mailtrap.imap_port), timeout=60)
    buffer = bytearray()
    read_line(sock, buffer)
    sock.sendall(b"a LOGIN victim@example.com x\r\n")
    assert read_line(sock, buffer).startswith(b"a OK")
    line = b" " + b"x" * 60000 + b" {0+}\r\n"
    count = 300 * MiB // len(line)

    def attack() -> None:
        sock.sendall(b"b SEARCH TEXT {0+}\r\n")
        chunk = line * 64
        for _ in range(count // 64):
            sock.sendall(chunk)
        sock.sendall(b" ALL\r\n")

    with memory_bound(8 * MiB):
        probes.during(attack)
    assert read_line(sock, buffer) == b"b BAD [TOOBIG] Command line too long"
    sock.sendall(b"c NOOP\r\n")
    assert read_line(sock, buffer) == b"c OK NOOP completed"
    sock.close()


def test_finding_2_a_100000_term_search_over_literal_lines(mailtrap, probes):
    mailtrap.store.deliver("a@example.com", [USER], b"Subject: x\r\n\r\nx\r\n")
    sock = socket.create_connection((mailtrap.smtp_host, mailtrap.imap_port), timeout=60)
    buffer = bytearray()
    read_line(sock, buffer)
    sock.sendall(b"a LOGIN victim@example.com x\r\nb SELECT INBOX\r\n")
    while not read_line(sock, buffer).startswith(b"b OK"):
        pass
    terms = b"c SEARCH" + b" OR SUBJECT {1+}\r\nx SUBJECT {1+}\r\ny" * 100_000 + b"\r\n"

    def attack() -> None:
        sock.sendall(terms)

    with memory_bound(8 * MiB):
        probes.during(attack)
    assert read_line(sock, buffer) == b"c BAD [TOOBIG] Command line too long"
    # The largest search the caps allow is answered, and in slices.
    sock.sendall(b"d SEARCH" + b" OR SUBJECT x SUBJECT y" * 333 + b"\r\n")
    assert read_line(sock, buffer) == b"* SEARCH 1"
    assert read_line(sock, buffer) == b"d OK SEARCH completed"
    sock.close()


def test_finding_3_sixteen_thousand_ranges_over_4000_messages(mailtrap, probes):
    # 16,000 "1:*" ranges in one 64 KB SEARCH froze every client for 5.3 s.
    for n in range(4000):
        mailtrap.store.deliver("a@example.com", [USER], b"Subject: %d\r\n\r\nx\r\n" % n)
    imap = imap_login(mailtrap)
    imap.select("INBOX")
    ranges = b",".join([b"1:*"] * 16000)
    results: list[bytes] = []
    lock = threading.Lock()

    def attack() -> None:
        typ, data = imap.search(None, ranges)
        assert typ == "OK"
        with lock:
            results.append(data[0])
        typ, data = imap.uid("SEARCH", ranges)
        assert typ == "OK"

    with memory_bound(16 * MiB):
        probes.during(attack)
    assert results[0].split() == [b"%d" % n for n in range(1, 4001)]
    imap.logout()
