"""The connection contract every engine keeps (POP3 and IMAP), so one driver serves both.

Modelled on h2's: the engine buffers what the client sent and what to answer; the driver
(``servers/stream.py``) only moves bytes::

    write(conn.data_to_send())       # the greeting is the first output
    loop:
        while conn.busy:             # output waiting, or work left (a pipelined command, a
            data = conn.data_to_send()   # long FETCH or SEARCH going on in slices)
            write(data) and wait for the client to take it; b"" means "let others run first"
            if conn.wants_tls: break # the go-ahead was the last output: nothing may be read
        if conn.closed: close
        if conn.wants_tls: upgrade the transport, then conn.tls_started()
        if conn.pending_check: check the login (mailtrap.logins), then conn.checked(verdict)
        if conn.pending_load: run it in a worker thread, then conn.loaded(its result)
        read -> conn.receive_data(data)   (b"" when the client closed its side)
        idle too long -> conn.timed_out()
    always, at the end: conn.connection_lost()

Answers are produced only from :meth:`Connection.data_to_send`, at most about ``limit`` octets
of them a call, so a client that pipelines commands and never reads holds a bounded amount.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from ..auth import Check, Login


class Connection(Protocol):
    """What ``servers/stream.py`` needs of a protocol engine."""

    @property
    def busy(self) -> bool:
        """True while :meth:`data_to_send` has output or work to do."""
        ...

    @property
    def wants_tls(self) -> bool:
        """True after the STARTTLS/STLS go-ahead was taken: upgrade, then :meth:`tls_started`."""
        ...

    #: True once the connection should close (when everything is sent).
    closed: bool

    @property
    def pending_check(self) -> Check | None:
        """A login to check before anything more is read or answered (LOGIN, PASS, AUTH...):
        check it, then call :meth:`checked` with the verdict."""
        ...

    def checked(self, login: Login | None) -> None: ...

    @property
    def pending_load(self) -> Callable[[], object] | None:
        """A store read to run off the event loop (IMAP's SELECT on a database) before anything
        more is read or answered: run it, then call :meth:`loaded` with what it returned."""
        ...

    def loaded(self, result: object) -> None: ...

    def receive_data(self, data: bytes) -> None: ...

    def data_to_send(self, limit: int = ...) -> bytes: ...

    def tls_started(self) -> None: ...

    def timed_out(self) -> None: ...

    def connection_lost(self) -> None: ...
