"""Sending one message to an SMTP server with the standard library's smtplib, blocking.

Shared by ``mailtrap sendmail`` and the relay (release, automatic relay); never called on the
event loop. Every failure is one :class:`SubmitError` that carries the server's own reply, so
callers can report it rather than a stack trace.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from typing import Literal

Kind = Literal["refused", "recipients", "unreachable", "unknown-host", "timeout", "protocol"]
TIMEOUT = 30.0


class SubmitError(Exception):
    """Sending failed: ``kind`` says how, ``code`` is the server's reply code when it gave one."""

    def __init__(self, kind: Kind, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.code = code

    @property
    def temporary(self) -> bool:
        return self.code is not None and 400 <= self.code < 500


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def shown(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def submit(
    host: str,
    port: int,
    sender: str,
    recipients: list[str],
    raw: bytes,
    *,
    tls: Literal["starttls", "tls"] | None = None,
    login: tuple[str, str] | None = None,
    context: ssl.SSLContext | None = None,
    timeout: float = TIMEOUT,
) -> None:
    """Send ``raw`` to ``recipients``, or raise :class:`SubmitError`.

    ``tls="tls"`` connects with implicit TLS, ``"starttls"`` upgrades first (and fails if the
    server cannot); ``login`` authenticates. Any refused recipient is an error (``recipients``),
    even when others accepted the message: the error says which went where.
    """
    where = shown(host, port)
    utf8 = not all(address.isascii() for address in (sender, *recipients))
    try:
        if tls == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        with smtp:
            if tls == "starttls":
                smtp.starttls(context=context)
            if login is not None:
                smtp.login(*login)
            refused = smtp.sendmail(sender, recipients, raw, ["SMTPUTF8"] if utf8 else [])
    except smtplib.SMTPRecipientsRefused as error:
        refusals = _refusals(error.recipients)
        raise SubmitError("recipients", f"{where} {refusals}", _worst(error.recipients)) from None
    except smtplib.SMTPResponseException as error:  # greeting, EHLO, AUTH, MAIL or DATA refused
        message = f"{where} answered {error.smtp_code} {_text(error.smtp_error)}"
        raise SubmitError("refused", message, error.smtp_code) from None
    except smtplib.SMTPException as error:  # e.g. disconnected, or no STARTTLS offered
        raise SubmitError("protocol", f"{where}: {error}") from None
    except socket.gaierror as error:
        raise SubmitError("unknown-host", f"unknown host {host}: {error.strerror}") from None
    except TimeoutError:
        raise SubmitError("timeout", f"{where} did not answer in {timeout:g} s") from None
    except ssl.SSLError as error:
        raise SubmitError("protocol", f"{where}: TLS failed: {error.reason or error}") from None
    except OSError as error:
        problem = error.strerror or str(error)
        raise SubmitError("unreachable", f"{where}: {problem}") from None
    if refused:
        accepted = [r for r in recipients if r not in refused]
        message = f"{where} took it for {', '.join(accepted)}, but {_refusals(refused)}"
        raise SubmitError("recipients", message, _worst(refused))


def _refusals(refused: dict[str, tuple[int, bytes]]) -> str:
    shown_ = (f"{rcpt}: {code} {_text(text)}" for rcpt, (code, text) in refused.items())
    return "refused " + "; ".join(shown_)


def _worst(refused: dict[str, tuple[int, bytes]]) -> int:
    return max(code for code, _ in refused.values())
