"""Coverage-guided fuzzing of the IMAP engine with atheris (libFuzzer), for long runs.

Run from the repository root:  python bench/fuzz_imap.py -runs=200000  (any libFuzzer flags;
``pip install atheris`` first). Each input is split at its first NUL: the part before is sent
after a LOGIN and SELECT, the part after as a second chunk, so partial commands and literals
meet the engine across reads. A crash is any exception out of the engine, a SERVERBUG answer,
or changed stored bytes; libFuzzer keeps the input that caused it. The derandomised
property-based tests of every parser run in the test suite (tests/fuzz).
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from mailtrap.protocols.imap import ImapConnection, Mailboxes
    from mailtrap.store import MemoryStore

MESSAGE = (
    b"From: a@example.com\r\nSubject: s\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\n\r\ntext\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Subject: i\r\n\r\nx\r\n--b--\r\n"
)


def drain(connection: ImapConnection) -> bytes:
    out = b""
    while connection.busy and not connection.wants_tls:
        out += connection.data_to_send()
    return out


def one_input(data: bytes) -> None:
    store = MemoryStore()
    store.deliver("a@example.com", ["bob@example.com"], MESSAGE)
    connection = ImapConnection(Mailboxes(store))
    out = drain(connection)
    connection.receive_data(b"a LOGIN bob@example.com x\r\nb SELECT INBOX\r\n")
    for chunk in data.split(b"\0", 1):
        connection.receive_data(chunk)
        out += drain(connection)
    if b"SERVERBUG" in out:
        raise AssertionError(out[-300:])
    if store.raw(store.messages()[0].id) != MESSAGE:
        raise AssertionError("stored bytes changed")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
