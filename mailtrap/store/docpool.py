"""Building search documents in a worker process, for stores that take in mail in bulk.

Parsing headers and bodies is pure Python: done in the server's process it takes the
interpreter from the event loop, and a backlog of a hundred thousand messages would keep it
busy for seconds. A batch sent to a worker process costs the server only the copying of the
bytes there and of the documents back, and the work runs on another core.

The worker is ``python -m mailtrap.store.docworker``: a plain child process reading pickled
batches on its standard input and writing their documents on its standard output (never
``multiprocessing``, whose start methods either fork a threaded server or re-import the host
program's ``__main__``). It starts on first use and ends with the store; when it cannot start
or fails, the caller builds the batch itself.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import logging
import os
import struct
import subprocess
import sys
import threading
from typing import BinaryIO

from ..message import Summary, summarize
from .model import MessageRecord
from .searchdoc import SearchDoc, build_doc

log = logging.getLogger("mailtrap.store")

Batch = list[tuple[MessageRecord, bytes]]
_LENGTH = struct.Struct("!I")


def build(record: MessageRecord, raw: bytes) -> tuple[Summary, SearchDoc]:
    """A message's summary and search document."""
    summary = summarize(raw)
    return summary, build_doc(record, raw, summary)


def build_docs(batch: list[tuple[str, tuple[str, ...], bytes]]) -> list[SearchDoc]:
    """Search documents for (envelope sender, recipients, bytes) triples (the worker's job).

    Only the documents travel back: they unpickle fast, and a summary is cheap to make when a
    reader first wants one.
    """
    return [
        build(MessageRecord("", 0, sender, rcpts, len(raw), 0, 0), raw)[1]
        for sender, rcpts, raw in batch
    ]


def _write(stream: BinaryIO, value: object) -> None:
    import pickle  # here, not at import: only the indexer and its worker need it

    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def _read(stream: BinaryIO) -> object:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError
    import pickle

    (length,) = _LENGTH.unpack(head)
    data = stream.read(length)
    if len(data) < length:
        raise EOFError
    return pickle.loads(data)  # our own parent or child, over our own pipe


class DocPool:
    """One worker process building documents, started when first needed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._failed = False

    def build(self, batch: Batch) -> list[SearchDoc]:
        """Documents for the batch, built in the worker (or here, when it is unavailable)."""
        import pickle

        triples = [(record.mail_from, record.rcpt_tos, raw) for record, raw in batch]
        with self._lock:
            process = self._start()
            if process is not None:
                assert process.stdin is not None and process.stdout is not None
                try:
                    _write(process.stdin, triples)
                    return _read(process.stdout)  # type: ignore[return-value]
                except (OSError, EOFError, pickle.UnpicklingError) as error:
                    log.warning("the indexing process failed (%s); indexing in-process", error)
                    self._failed = True
                    self._stop()
        return build_docs(triples)

    def _start(self) -> subprocess.Popen[bytes] | None:
        if self._process is None and not self._failed:
            try:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "mailtrap.store.docworker"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                )
            except OSError as error:
                log.warning("no indexing process (%s); indexing in-process", error)
                self._failed = True
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            assert process.stdin is not None and process.stdout is not None
            process.stdin.close()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            process.stdout.close()

    def close(self) -> None:
        with self._lock:
            self._stop()


def serve() -> None:
    """The worker's loop: batches in, documents out, until its input ends.

    The worker runs at the lowest priority: it takes only the CPU the server leaves idle.
    """
    with contextlib.suppress(OSError, AttributeError):
        os.nice(19)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            batch = _read(stdin)
        except EOFError:
            return
        try:
            _write(stdout, build_docs(batch))  # type: ignore[arg-type]
        except BrokenPipeError:  # the server stopped while this batch was built: end quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())  # nothing left to flush
            return
