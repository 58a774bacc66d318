"""Sans-I/O protocol engines: bytes in, replies out.

Nothing in this package may import asyncio, socket, selectors, threading, ssl, flask, aiosmtpd or
the servers/api/runtime layers; tests/test_layering.py enforces it. Both engines read lines with
:class:`~.lines.LineFramer` and keep the connection contract of :mod:`.contract`.

PYTEST_DONT_REWRITE
"""

from .contract import Connection

__all__ = ["Connection"]
