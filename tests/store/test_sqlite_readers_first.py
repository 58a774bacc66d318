"""On a database, readers give way to mail being stored: an API request and an IMAP FETCH that
come while a message is being committed wait for its reply, and a commit that takes longer
than the patience (mailtrap.priority) no longer holds them up."""

from __future__ import annotations

import imaplib
import smtplib
import sqlite3
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from polling import until

from mailtrap import MailTrap, priority

USER = "reader@example.org"


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    done: list[object] = []
    thread = threading.Thread(target=lambda: done.append(work()), daemon=True)
    thread.start()
    return thread, done


@contextmanager
def _a_delivery_in_flight(trap: MailTrap) -> Iterator[list[object]]:
    """An SMTP message whose commit waits on another connection's write lock until the block
    ends; yields what the sending thread got (its reply, once it came)."""
    blocker = sqlite3.connect(trap.store.path, isolation_level=None)  # type: ignore[attr-defined]
    blocker.execute("BEGIN IMMEDIATE")

    def send() -> object:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=30) as smtp:
            return smtp.sendmail("app@example.org", [USER], b"Subject: stored first\r\n\r\nx\r\n")

    sender, replied = _in_thread(send)
    try:
        assert until(lambda: trap.store.writes_first.in_flight, timeout=10)
        yield replied
    finally:
        blocker.rollback()
        blocker.close()
        sender.join(30)
    assert replied == [{}]  # accepted for its one recipient


@contextmanager
def _trap_with_readers(tmp_path) -> Iterator[tuple[MailTrap, imaplib.IMAP4]]:
    with MailTrap(db=tmp_path / "mail.db") as trap:
        trap.store.deliver("app@example.org", [USER], b"Subject: there before\r\n\r\nx\r\n")
        _api(trap)  # the HTTP front-end is built on its first request: not while timing
        imap = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=30)
        try:
            imap.login(USER, "any")
            imap.select("INBOX", readonly=True)
            yield trap, imap
        finally:
            imap.logout()


def _api(trap: MailTrap) -> bytes:
    with urllib.request.urlopen(trap.http_url + "/api/v1/messages", timeout=30) as answer:
        return answer.read()


def test_readers_wait_for_the_message_being_stored(tmp_path, monkeypatch):
    monkeypatch.setattr(priority, "PATIENCE", 30.0)  # only the commit's end lets them go
    with _trap_with_readers(tmp_path) as (trap, imap):
        with _a_delivery_in_flight(trap) as replied:
            api, api_done = _in_thread(lambda: _api(trap))
            fetch, fetch_done = _in_thread(lambda: imap.fetch("1:*", "(FLAGS)"))
            assert not until(lambda: api_done or fetch_done, timeout=0.5)
            assert not replied  # still being stored: and both readers wait for it
        api.join(10)
        fetch.join(10)
        assert b"stored first" in api_done[0]  # type: ignore[operator]
        assert fetch_done[0][0] == "OK"  # type: ignore[index]


def test_a_commit_longer_than_the_patience_holds_no_reader_up(tmp_path, monkeypatch):
    monkeypatch.setattr(priority, "PATIENCE", 0.2)
    with _trap_with_readers(tmp_path) as (trap, imap):
        with _a_delivery_in_flight(trap) as replied:
            api, api_done = _in_thread(lambda: _api(trap))
            fetch, fetch_done = _in_thread(lambda: imap.fetch("1:*", "(FLAGS)"))
            assert until(lambda: api_done and fetch_done, timeout=8)
            assert not replied  # answered while the message was still being stored
        api.join(10)
        fetch.join(10)
        assert b"there before" in api_done[0] and b"stored first" not in api_done[0]  # type: ignore[operator]
        assert fetch_done[0] == ("OK", [rb"1 (FLAGS (\Recent))"])
