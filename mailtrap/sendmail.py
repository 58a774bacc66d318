"""``mailtrap sendmail``: a sendmail-compatible command that submits its message to mailtrap.

For apps (and PHP's ``mail()``) that shell out to ``/usr/sbin/sendmail``: the message comes on
standard input, recipients as arguments (or from its headers with ``-t``), and the outcome is
sendmail's exit status (sysexits.h). It is a client: it sends over SMTP to the server named by
``--smtp HOST:PORT`` / ``MAILTRAP_SMTP`` (default ``127.0.0.1:1025``; a bare port, ``0.0.0.0`` or
``::`` mean 127.0.0.1, as the server's own flag does when it listens everywhere; ``off`` exits
69). Line endings become CRLF; the message is otherwise sent as read. ``-bs`` speaks SMTP on
standard input and output, passed through to the server, for clients that expect that mode.

Options as sendmail (Postfix's) has them: ``-t`` adds the To, Cc and Bcc addresses to the
recipients and removes the Bcc field; ``-i``/``-oi`` keep reading past a line holding a single
dot (otherwise such a line ends the message); ``-f``/``-r`` set the envelope sender (default
``$USER@hostname``); ``-F`` names the sender in the From field added when the message has none.
Options that only matter to a real MTA (``-o...``, ``-B``, ``-N``, ``-R``, ``-V``, ``-v``, ...)
are accepted and ignored.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import socket
import sys
import threading
from collections.abc import Sequence
from email.utils import formataddr, getaddresses
from typing import BinaryIO, NoReturn

from . import smtp_client
from .message import summarize
from .rewrite import has_header, remove_headers, set_header

PROG = "mailtrap sendmail"
DEFAULT_SERVER = ("127.0.0.1", 1025)
_ANY_HOST = {None, "", "0.0.0.0", "::", "[::]"}
_NEWLINE = re.compile(rb"\r?\n")


class Failure(Exception):
    """Ends the command with one line on standard error and a sysexits.h status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise Failure(os.EX_USAGE, message)


def _parser() -> _Parser:
    parser = _Parser(
        prog=PROG,
        add_help=False,  # -h is sendmail's hop count
        description="Submit the message on standard input to mailtrap's SMTP server.",
        epilog="Exit status as sendmail's (sysexits.h): 0 sent, 64 usage, 67 recipient "
        "refused, 69 server unavailable (or --smtp off), 75 try again, 76 protocol error.",
    )
    add = parser.add_argument
    add("--help", action="help", help="show this help and exit")
    add("recipients", nargs="*", metavar="RCPT", help="recipient addresses")
    add("-t", action="store_true", help="also send to the To, Cc and Bcc addresses; drop Bcc")
    add("-i", action="store_true", help="a line with a single dot does not end the message")
    add("-o", action="append", default=[], metavar="OPT", help="-oi as -i; others are ignored")
    add("-f", "-r", dest="sender", metavar="FROM", help="envelope sender")
    add("-F", dest="name", metavar="NAME", help="sender's name, for a missing From field")
    add("-b", dest="mode", default="m", metavar="MODE", help="-bm (default) or -bs (SMTP on stdio)")
    add("--smtp", metavar="ADDR", help="the server: HOST:PORT, PORT or off (MAILTRAP_SMTP)")
    for flag in ("-B", "-N", "-R", "-V", "-X", "-C", "-h", "-L", "-O", "-q"):
        add(flag, metavar="X", help=argparse.SUPPRESS)
    for flag in ("-v", "-U", "-G", "-n", "-m", "-d"):
        add(flag, action="store_true", help=argparse.SUPPRESS)
    return parser


def server_address(value: str | None) -> tuple[str, int]:
    """Where to submit: ``--smtp`` / ``MAILTRAP_SMTP`` as the server reads it, seen as a client."""
    from .cli_values import parse_address

    if value is None:
        return DEFAULT_SERVER
    try:
        address = parse_address(value)
    except ValueError as error:
        raise Failure(os.EX_USAGE, f"--smtp / MAILTRAP_SMTP: {error}") from None
    if address is None:
        raise Failure(os.EX_UNAVAILABLE, "SMTP is off (--smtp / MAILTRAP_SMTP is 'off')")
    host, port = address
    return ("127.0.0.1" if host in _ANY_HOST else host), port


def read_message(stream: BinaryIO, dot_ends: bool) -> bytes:
    """Standard input up to its end (or, unless ``-i``, a line holding a single dot), in CRLF."""
    if not dot_ends:
        data = stream.read()
    else:
        lines = []
        for line in stream:
            if line.rstrip(b"\r\n") == b".":
                break
            lines.append(line)
        data = b"".join(lines)
    return _NEWLINE.sub(b"\r\n", data)


def _default_sender() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "nobody"
    return f"{user}@{socket.gethostname() or 'localhost'}"


def envelope(options: argparse.Namespace, raw: bytes) -> tuple[str, list[str], bytes]:
    """(sender, recipients, message) as sendmail would submit them."""
    sender = options.sender if options.sender is not None else _default_sender()
    recipients = []
    for argument in options.recipients:
        # "Name <a@x>, b@y" as sendmail takes it; what does not parse goes to the server as is
        found = [address for _, address in getaddresses([argument]) if address]
        recipients += found or ([argument.strip()] if argument.strip() else [])
    if options.t:
        summary = summarize(raw)
        recipients += [a.address for a in (*summary.to, *summary.cc, *summary.bcc) if a.address]
        raw = remove_headers(raw, ["Bcc"])
    if sender not in ("", "<>") and not has_header(raw, "From"):
        raw = set_header(raw, "From", formataddr((options.name or "", sender)))
    recipients = list(dict.fromkeys(recipients))
    if not recipients:
        raise Failure(os.EX_USAGE, "no recipients: give them as arguments or use -t")
    return sender, recipients, raw


#: How each kind of sending failure maps to sendmail's exit status (sysexits.h).
STATUS: dict[str, int] = {
    "recipients": os.EX_NOUSER,
    "refused": os.EX_UNAVAILABLE,
    "unreachable": os.EX_UNAVAILABLE,
    "unknown-host": os.EX_NOHOST,
    "timeout": os.EX_TEMPFAIL,
    "protocol": os.EX_PROTOCOL,
}


def submit(address: tuple[str, int], sender: str, recipients: list[str], raw: bytes) -> None:
    try:
        smtp_client.submit(*address, sender, recipients, raw)
    except smtp_client.SubmitError as error:
        status = os.EX_TEMPFAIL if error.temporary else STATUS[error.kind]
        raise Failure(status, str(error)) from None


def smtp_on_stdio(address: tuple[str, int], stdin: BinaryIO, stdout: BinaryIO) -> None:
    """``-bs``: pass standard input to the server and its replies to standard output."""
    try:
        sock = socket.create_connection(address, timeout=smtp_client.TIMEOUT)
    except OSError as error:
        problem = error.strerror or str(error)
        where = smtp_client.shown(*address)
        raise Failure(os.EX_UNAVAILABLE, f"SMTP server at {where}: {problem}") from None
    sock.settimeout(None)

    def upstream() -> None:
        try:
            while chunk := stdin.read1(65536):  # type: ignore[attr-defined]
                sock.sendall(chunk)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    sender = threading.Thread(target=upstream, daemon=True)
    sender.start()
    with sock:
        while chunk := sock.recv(65536):
            stdout.write(chunk)
            stdout.flush()


def main(argv: Sequence[str]) -> int:
    try:
        options = _parser().parse_args(list(argv))
        if "i" in options.o:
            options.i = True
        if options.mode not in ("m", "s"):
            raise Failure(os.EX_USAGE, f"-b{options.mode} is not supported (only -bm and -bs)")
        address = server_address(options.smtp or os.environ.get("MAILTRAP_SMTP"))
        if options.mode == "s":
            smtp_on_stdio(address, sys.stdin.buffer, sys.stdout.buffer)
            return os.EX_OK
        try:
            raw = read_message(sys.stdin.buffer, dot_ends=not options.i)
        except OSError as error:
            raise Failure(os.EX_IOERR, f"reading the message: {error}") from None
        submit(address, *envelope(options, raw))
    except Failure as failure:
        print(f"{PROG}: {failure}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        return os.EX_TEMPFAIL
    return os.EX_OK
