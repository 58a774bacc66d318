"""What the store conformance suite (tests/store) shares: a small message and the backends."""

from __future__ import annotations

RAW = b"Subject: hello\r\nFrom: a@example.com\r\nTo: b@example.com\r\n\r\nbody\r\n"

#: Every backend the conformance suite runs against.
BACKENDS = ["memory"]
