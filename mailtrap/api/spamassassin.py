"""Mailpit's SpamAssassin check: a message scored by a ``spamd`` (``--spamassassin HOST:PORT``).

One ``REPORT`` request of the spamc protocol (SPAMC/1.5, the protocol of SpamAssassin's
``spamc``/``spamd``) per check: the request is built and the answer parsed here without I/O,
and :func:`check` moves the bytes, bounded in time and size, in the worker thread of the HTTP
request that asked. The answer is Mailpit's ``{"Error", "IsSpam", "Score", "Rules"}``: a spamd
that cannot be reached or answers oddly is an ``Error``, not an HTTP failure, as in Mailpit.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass, field
from typing import Any

#: spamc's own default: bigger messages are not sent to spamd.
MAX_MESSAGE = 500 * 1024
#: Largest answer read from spamd.
MAX_ANSWER = 1024 * 1024
#: Seconds for connecting and for each read.
TIMEOUT = 30.0

_STATUS = re.compile(rb"^SPAMD/\d+\.\d+ (\d+) (.*)$")
_SPAM = re.compile(rb"^(True|False|Yes|No) ; (-?[\d.]+) / (-?[\d.]+)", re.IGNORECASE)
_RULE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s+([A-Z0-9_]+)\s+(.*)$")


@dataclass
class Report:
    """Mailpit's SpamAssassin response."""

    error: str = ""
    is_spam: bool = False
    score: float = 0.0
    rules: list[dict[str, Any]] | None = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        return {
            "Error": self.error,
            "IsSpam": self.is_spam,
            "Score": self.score,
            "Rules": self.rules,
        }


def request(raw: bytes) -> bytes:
    """The ``REPORT`` request for one message."""
    return b"REPORT SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % len(raw) + raw


def parse(answer: bytes) -> Report:
    """spamd's answer to ``REPORT`` as a :class:`Report` (``error`` set when it is not one)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = _STATUS.match(lines[0]) if lines else None
    if status is None:
        return Report(error="spamd gave no SPAMD status line", rules=None)
    if status.group(1) != b"0":
        reason = status.group(2).decode("ascii", "replace")
        return Report(error=f"spamd answered {int(status.group(1))} {reason}", rules=None)
    verdict = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"spam":
            verdict = _SPAM.match(value.strip())
    if verdict is None:
        return Report(error="spamd's answer has no Spam header", rules=None)
    is_spam = verdict.group(1).lower() in (b"true", b"yes")
    return Report("", is_spam, float(verdict.group(2)), rules(body.decode("utf-8", "replace")))


def rules(report: str) -> list[dict[str, Any]]:
    """The rules of a report's ``pts rule name description`` table (descriptions may wrap)."""
    found: list[dict[str, Any]] = []
    in_table = False
    for line in report.splitlines():
        if line.startswith("----"):
            in_table = True
            continue
        if not in_table or not line.strip():
            continue
        match = _RULE.match(line)
        if match:
            score, name, description = match.groups()
            found.append({"Name": name, "Score": float(score), "Description": description.strip()})
        elif found and line[:1].isspace():  # a wrapped description
            found[-1]["Description"] += " " + line.strip()
    return found


def split_address(address: str) -> tuple[str, int]:
    """``HOST:PORT`` or ``[V6]:PORT`` -> (host, port)."""
    host, _, port = address.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def check(address: str, raw: bytes) -> Report:
    """Score ``raw`` with the spamd at ``address``."""
    if len(raw) > MAX_MESSAGE:
        return Report(error=f"message over {MAX_MESSAGE // 1024} KiB: not checked", rules=None)
    try:
        with socket.create_connection(split_address(address), timeout=TIMEOUT) as sock:
            sock.sendall(request(raw))
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            while len(answer) <= MAX_ANSWER and (chunk := sock.recv(65536)):
                answer += chunk
    except TimeoutError:
        return Report(error=f"spamd at {address} did not answer in {TIMEOUT:g}s", rules=None)
    except (OSError, ValueError) as problem:
        reason = getattr(problem, "strerror", None) or str(problem)
        return Report(error=f"cannot reach spamd at {address}: {reason}", rules=None)
    if len(answer) > MAX_ANSWER:
        return Report(error="spamd's answer is too large", rules=None)
    return parse(answer)
