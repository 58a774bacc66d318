"""On a database, readers give way to mail being stored: an API request and an IMAP FETCH that
come while a message is being committed wait for its reply, a commit that takes longer than
the patience (mailtrap.priority) no longer holds them up, and a server process runs its readers'
threads at a lower priority than SMTP's."""

from __future__ import annotations

import imaplib
import os
import smtplib
import sqlite3
import sys
import threading
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from polling import until

from mailtrap import MailTrap, priority
from mailtrap.config import Config
from mailtrap.store import MemoryStore, SqliteStore
from mailtrap.threaded import ThreadedRuntime

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


def _nice(name: str, earlier: set[int | None]) -> list[int]:
    """The priorities of the threads called ``name`` (or ``name_N``) not among ``earlier``."""
    return [
        os.getpriority(os.PRIO_PROCESS, thread.native_id)
        for thread in threading.enumerate()
        if (thread.name == name or thread.name.startswith(name + "_"))
        and thread.ident not in earlier
        and thread.native_id is not None
    ]


@pytest.mark.skipif(sys.platform != "linux", reason="a thread's own priority is Linux's")
@pytest.mark.parametrize(("database", "lazy"), [(True, False), (False, False), (True, True)])
def test_a_server_on_a_database_runs_its_readers_threads_lower(tmp_path, database, lazy):
    # As the command line runs (eager, SMTP on its own loop) on a database: the runtime's thread
    # and the HTTP workers it starts are READER_NICE lower; SMTP's loop and its committer are not.
    base = os.getpriority(os.PRIO_PROCESS, 0)
    lowered = min(base + priority.READER_NICE, 19) if database and not lazy else base
    store = SqliteStore(tmp_path / "mail.db") if database else MemoryStore()
    earlier = {thread.ident for thread in threading.enumerate()}  # other tests' may linger
    threaded = ThreadedRuntime(Config(), store, lazy=lazy)
    threaded.start()
    try:
        addresses = threaded.runtime.addresses
        with smtplib.SMTP("127.0.0.1", addresses["smtp"].port, timeout=10) as smtp:
            smtp.sendmail("a@x.org", [USER], b"Subject: first\r\n\r\nx\r\n")
        url = f"http://127.0.0.1:{addresses['http'].port}/api/v1/messages"
        with urllib.request.urlopen(url, timeout=30) as answer:
            assert b"first" in answer.read()
        assert _nice("mailtrap", earlier) == [lowered]
        assert set(_nice("mailtrap-http", earlier)) == {lowered}
        assert _nice("mailtrap-smtp", earlier) == ([] if lazy else [base])
        assert _nice("mailtrap-deliver", earlier) == ([base] if database else [])
    finally:
        threaded.stop()
        store.close()
