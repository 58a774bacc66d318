"""Sans-I/O protocol engines: bytes in, replies out.

Nothing in this package may import asyncio, socket, selectors, threading, ssl, flask, aiosmtpd or
the servers/api/runtime layers; tests/test_layering.py enforces it.
"""
