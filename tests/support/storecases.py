"""What the store conformance suite (tests/store) shares: a small message, a transcript in its
shared form, and the backends."""

from __future__ import annotations

from mailtrap.transcript import Recorder
from mailtrap.transcript_shared import Encoded, Templates

RAW = b"Subject: hello\r\nFrom: a@example.com\r\nTo: b@example.com\r\n\r\nbody\r\n"

#: Every backend the conformance suite runs against.
BACKENDS = ["memory", "sqlite"]


def shared_transcript() -> Encoded:
    """A transcript in its shared form (a template and this message's values), as the SMTP
    server hands one to the store from a text's second message on."""
    table = Templates()
    for port in (2525, 2526):  # the second connection's message shares the first's text
        recorder = Recorder(("127.0.0.1", port), None, table)
        for reply, command in (("220 hi", b"EHLO x\r\n"), ("250 HELP", b"MAIL FROM:<a@x>\r\n")):
            recorder.server(reply)
            recorder.command(command)
        recorder.server("250 OK")
        encoded = recorder.delivered(data_end=False)
    assert isinstance(encoded, tuple)
    return encoded
