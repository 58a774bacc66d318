"""The aiosmtpd (and asyncio stream) members our SMTP subclass uses beyond their public interface.

Issue 19 allows them for PIPELINING, CHUNKING and transcripts, with aiosmtpd pinned to the tested
range in pyproject.toml. If an upgrade renames or reshapes one, this fails before anything
subtle breaks.
"""

from __future__ import annotations

import asyncio
import inspect

import aiosmtpd
import pytest
from aiosmtpd.smtp import SMTP

from mailtrap.servers.smtp import CaptureSMTP

#: member -> its parameter names in the aiosmtpd versions we support.
SIGNATURES = {
    "_getparams": ["self", "params"],
    "_create_envelope": ["self"],
    "_set_post_data_state": ["self"],
    "_cb_client_connected": ["self", "reader", "writer"],
    "smtp_MAIL": ["self", "arg"],
    "smtp_RCPT": ["self", "arg"],
    "smtp_RSET": ["self", "arg"],
    "smtp_DATA": ["self", "arg"],
    "push": ["self", "status"],
}


def test_aiosmtpd_is_in_the_pinned_range():
    version = tuple(int(part) for part in aiosmtpd.__version__.split(".")[:3])
    assert (1, 4, 6) <= version < (1, 5)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_member_signature(name):
    assert list(inspect.signature(getattr(SMTP, name)).parameters) == SIGNATURES[name]
    # ours keep the same parameters, so aiosmtpd's calls reach them unchanged
    assert list(inspect.signature(getattr(CaptureSMTP, name)).parameters) == SIGNATURES[name]


def test_where_aiosmtpd_reads_what():
    # Transcripts record what aiosmtpd reads with readuntil() (commands) and readline() (AUTH
    # responses) through its reader, and swap the reader out while DATA reads message lines.
    assert "await self._reader.readuntil()" in inspect.getsource(SMTP._handle_client)
    assert "await self._reader.readline()" in inspect.getsource(SMTP.challenge_auth)
    assert "await self._reader.readuntil(b'\\r\\n')" in inspect.getsource(SMTP.smtp_DATA)


def test_reader_attributes():
    # aiosmtpd keeps the connection's stream reader as ``_reader``; we read BDAT chunks from it,
    # look at its ``_buffer`` (pipelined commands waiting) and raise its ``_limit`` for chunks.
    assert "self._reader = reader" in inspect.getsource(SMTP._cb_client_connected)
    loop = asyncio.new_event_loop()
    try:
        reader = asyncio.StreamReader(limit=77, loop=loop)
        assert reader._limit == 77
        assert isinstance(reader._buffer, bytearray)
    finally:
        loop.close()
