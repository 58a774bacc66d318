"""Thin asyncio adapters that move bytes between sockets and the protocol engines or aiosmtpd.

PYTEST_DONT_REWRITE
"""
