"""The aiosmtpd (and asyncio stream) members our SMTP subclass overrides or uses beyond their
public interface: the address fast path (issue 16), the fault stages without a handler hook
(issue 18), PIPELINING, CHUNKING and transcripts (issue 19), AUTH through our authenticator
(issue 15). aiosmtpd is pinned to the tested
range in pyproject.toml; if an upgrade renames or reshapes one of these, this fails before
anything subtle breaks.
"""

from __future__ import annotations

import asyncio
import inspect
import re

import aiosmtpd
import aiosmtpd.smtp
import pytest
from aiosmtpd.smtp import SMTP

from mailtrap.servers import (
    smtp,
    smtp_auth,
    smtp_chunking,
    smtp_pipelining,
    smtp_transcript,
)
from mailtrap.servers.smtp import CaptureSMTP, DataReader, StoreHandler
from mailtrap.servers.smtp_transcript import RecordingReader

#: member -> its signature in the aiosmtpd versions we support.
SIGNATURES = {
    # servers/smtp.py: limits, connection tracking, the EHLO keywords, DATA's reader (which
    # also uses _set_post_data_state and check_auth_needed, below)
    "connection_made": "(self, transport: asyncio.transports.BaseTransport) -> None",
    "connection_lost": "(self, error: Optional[Exception]) -> None",
    "smtp_DATA": "(self, arg: str) -> None",
    "check_helo_needed": "(self, helo: str = 'HELO') -> bool",
    "push": "(self, status: ~AnyStr)",
    "smtp_EHLO": "(self, hostname: str)",
    # servers/smtp_address.py
    "_getaddr": "(self, arg: str) -> Tuple[Optional[str], Optional[str]]",
    # servers/faults.py: the stages with no handler hook
    "smtp_HELO": "(self, hostname: str)",
    # servers/smtp_pipelining.py
    "smtp_MAIL": "(self, arg: Optional[str]) -> None",
    "smtp_RCPT": "(self, arg: Optional[str]) -> None",
    "smtp_RSET": "(self, arg: str)",
    # servers/smtp_chunking.py
    "_getparams": "(self, params: Sequence[str]) -> Optional[Dict[str, Union[str, bool]]]",
    "_create_envelope": "(self) -> aiosmtpd.smtp.Envelope",
    "_set_post_data_state": "(self)",
    # servers/smtp_auth.py: our mechanisms, and --smtp-auth required
    "auth_PLAIN": "(self, _, args: List[str]) -> aiosmtpd.smtp.AuthResult",
    "auth_LOGIN": "(self, _, args: List[str]) -> aiosmtpd.smtp.AuthResult",
    "check_auth_needed": "(self, caller_method: str) -> bool",
    # servers/smtp_transcript.py (through the reader aiosmtpd keeps)
    "_cb_client_connected": (
        "(self, reader: asyncio.streams.StreamReader, writer: asyncio.streams.StreamWriter)"
    ),
}


def test_aiosmtpd_is_in_the_pinned_range():
    version = tuple(int(part) for part in aiosmtpd.__version__.split(".")[:3])
    assert (1, 4, 6) <= version < (1, 5)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_member_signature(name):
    assert str(inspect.signature(getattr(SMTP, name))) == SIGNATURES[name]
    # ours keep the same parameters, so aiosmtpd's calls reach them unchanged
    theirs = list(inspect.signature(getattr(SMTP, name)).parameters)
    assert list(inspect.signature(getattr(CaptureSMTP, name)).parameters) == theirs


def test_every_member_we_override_is_listed():
    ours = {
        name
        for cls in CaptureSMTP.__mro__
        if cls.__module__.startswith("mailtrap")
        for name in vars(cls)
        if hasattr(SMTP, name) and not name.startswith("__")
    }
    assert ours <= set(SIGNATURES), ours - set(SIGNATURES)


def test_what_the_address_fast_path_relies_on():
    # Our _getaddr only helps while MAIL and RCPT still parse through it.
    for command in (SMTP.smtp_MAIL, SMTP.smtp_RCPT):
        assert "self._getaddr(arg)" in inspect.getsource(command)
    # The keyword arguments CaptureSMTP passes, and the attribute the fast path reads.
    parameters = inspect.signature(SMTP.__init__).parameters
    for keyword in ("data_size_limit", "enable_SMTPUTF8", "decode_data", "authenticator"):
        assert keyword in parameters, keyword
    assert SMTP.local_part_limit == 0


def test_what_the_ehlo_keywords_rely_on():
    # Without a handle_EHLO hook, aiosmtpd pushes "250 HELP" as EHLO's last line: our keywords
    # go before it (servers/smtp.py).
    assert "response.append('250 HELP')" in inspect.getsource(SMTP.smtp_EHLO)
    # ... and no hook: aiosmtpd would inspect its signature on every connection.
    assert not hasattr(StoreHandler, "handle_EHLO")


def test_where_aiosmtpd_reads_what():
    # Transcripts record what aiosmtpd reads with readuntil() (commands) and readline() (AUTH
    # responses) through its reader, and swap the reader out while DATA reads the message:
    # our DataReader, in place of aiosmtpd's DATA, which it answers as (its checks, its replies).
    assert "await self._reader.readuntil()" in inspect.getsource(SMTP._handle_client)
    assert "await self._reader.readline()" in inspect.getsource(SMTP.challenge_auth)
    mro = CaptureSMTP.__mro__
    assert mro[mro.index(SMTP) - 1] is DataReader
    theirs = inspect.getsource(SMTP.smtp_DATA)
    for step in (
        "if await self.check_helo_needed():",
        'if await self.check_auth_needed("DATA"):',
        "await self.push('503 Error: need RCPT command')",
        "await self.push('501 Syntax: DATA')",
        "await self.push('354 End data with <CR><LF>.<CR><LF>')",
        "await self.push('552 Error: Too much mail data')",
        "self._set_post_data_state()",
    ):
        assert step in theirs, step


def test_reader_attributes():
    # aiosmtpd keeps the connection's stream reader as ``_reader``; we read BDAT chunks from it,
    # look at its ``_buffer`` (pipelined commands waiting) and raise its ``_limit`` for chunks.
    assert "self._reader = reader" in inspect.getsource(SMTP._cb_client_connected)
    loop = asyncio.new_event_loop()
    try:
        reader = asyncio.StreamReader(limit=77, loop=loop)
        assert reader._limit == 77
        assert isinstance(reader._buffer, bytearray)
        # servers/smtp_transcript.py keeps a reference to it: reads change it in place.
        buffer = reader._buffer
        reader.feed_data(b"EHLO x\r\nBDAT 3\r\nabcDATA\r\n")
        for read in (reader.readuntil(), reader.readline(), reader.readexactly(2), reader.read(1)):
            loop.run_until_complete(read)
        reader.feed_data(b"MAIL FROM:<>\r\n")
        loop.run_until_complete(reader.readuntil(b"\r\n"))
        assert reader._buffer is buffer and buffer == b"MAIL FROM:<>\r\n"
    finally:
        loop.close()


def test_the_recording_reader_has_every_member_read_through_it():
    # It has no __getattr__: whatever aiosmtpd and our mixins use of the reader, it has.
    modules = (aiosmtpd.smtp, smtp, smtp_auth, smtp_chunking, smtp_pipelining, smtp_transcript)
    sources = [inspect.getsource(module) for module in modules]
    used = {name for source in sources for name in re.findall(r"reader\.(\w+)", source)}
    used -= {"inner"}  # (the recording reader's own, used by the mixin)
    assert used, "the pattern finds nothing: look again at how the reader is used"
    for name in used:
        assert hasattr(RecordingReader, name), name


def test_what_our_auth_relies_on():
    # smtp_AUTH calls an auth_* method as (self, args) and pushes the message of an AuthResult
    # that is not handled; MAIL asks check_auth_needed first; the mechanisms offered are what
    # auth_exclude_mechanism leaves; AUTH responses are read with the reader's readline.
    auth = inspect.getsource(SMTP.smtp_AUTH)
    assert "auth_method.method(self, args)" in auth and "auth_result.message" in auth
    assert 'self.check_auth_needed("MAIL")' in inspect.getsource(SMTP.smtp_MAIL)
    parameters = inspect.signature(SMTP.__init__).parameters
    assert "auth_require_tls" in parameters and "auth_exclude_mechanism" in parameters
    assert "self._reader.readline()" in inspect.getsource(SMTP.challenge_auth)
