"""The SQLite backend's checkpoints, kept out of its commits.

SQLite's automatic checkpoint runs inside whichever commit makes the log pass 1,000 pages: on
100,000 stored messages that held the commit, and every delivery waiting for it, up to 200 ms.
Here a thread copies the log into the database file with a passive checkpoint on a connection
of its own, which writers do not wait for. A passive checkpoint alone never catches up with a
steady writer, so the log would grow without end: once the log is long, the thread completes
the checkpoint under the write lock, which only has the pages written meanwhile left to copy,
and the next transaction starts the log over.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger("mailtrap.store")

#: Log pages from which the log is started over (SQLite's automatic checkpoint's default).
CHECKPOINT_PAGES = 1000
#: How often (seconds) the log is copied into the database file.
CHECK_EVERY = 0.1


class Checkpointer:
    """A thread checkpointing one database whose writer connection is used under ``wlock``."""

    def __init__(self, path: Path, writer: sqlite3.Connection, wlock: threading.Lock) -> None:
        self._path = path
        self._writer = writer
        self._wlock = wlock
        writer.execute("PRAGMA wal_autocheckpoint = 0")  # commits never checkpoint
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="mailtrap-sqlite-checkpoint", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        connection = sqlite3.connect(
            str(self._path), isolation_level=None, check_same_thread=False, timeout=30
        )
        try:
            while not self._stop.wait(CHECK_EVERY):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error:
                    if self._stop.is_set():
                        return
                    log.exception("checkpointing the database failed")
        finally:
            connection.close()

    def checkpoint(self, connection: sqlite3.Connection) -> bool:
        """Copy the log into the database; when it was long, complete the copy under the write
        lock (the log then starts over) and return True."""
        _busy, pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if pages < CHECKPOINT_PAGES:
            return False
        with self._wlock:
            self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        return True

    def close(self) -> None:
        """End the thread (before the writer connection closes)."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(30)
