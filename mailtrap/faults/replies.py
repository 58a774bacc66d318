"""The SMTP reply a firing rule sends: code, RFC 3463 enhanced status code, text.

Defaults depend on the stage: a temporary failure (so apps exercise their retries) everywhere
but AUTH, whose failure is ``535`` as RFC 4954 4 has it; a rate limit answers ``421`` where the
session cannot go on without the refused step and ``451`` / ``454`` where it can.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from .spec import RuleSpec, is_enhanced

#: stage -> reply code when a rule gives none.
DEFAULT_CODE = {
    "connect": 421,
    "ehlo": 421,
    "auth": 535,
    "mail": 451,
    "rcpt": 451,
    "data": 451,
    "end": 451,
}
#: stage -> reply code when a rate limit is exceeded and the rule gives none.
RATE_CODE = {**DEFAULT_CODE, "auth": 454}

#: code -> (RFC 3463 enhanced status code, default text).
_KNOWN = {
    # RFC 5321 3.8: the server is closing the channel; X.3.2 system not accepting messages.
    421: ("4.3.2", "Service not available, closing transmission channel"),
    450: ("4.2.1", "Mailbox unavailable, try again later"),  # X.2.1 mailbox disabled
    451: ("4.3.0", "Local error in processing, try again later"),  # X.3.0 mail system status
    452: ("4.3.1", "Insufficient system storage"),  # X.3.1 mail system full
    454: ("4.7.0", "Temporary authentication failure"),  # RFC 4954 6
    530: ("5.7.0", "Authentication required"),  # RFC 4954 6
    535: ("5.7.8", "Authentication credentials invalid"),  # RFC 4954 6
    550: ("5.7.1", "Requested action not taken: refused"),  # X.7.1 delivery not authorized
    551: ("5.1.6", "User not local"),  # X.1.6 destination mailbox has moved
    552: ("5.2.2", "Mailbox full"),  # X.2.2 mailbox full
    553: ("5.1.3", "Mailbox name not allowed"),  # X.1.3 bad destination mailbox syntax
    554: ("5.3.0", "Transaction failed"),  # X.3.0 other mail system status
}
#: (code, stage) where the stage makes a more exact status than the code alone.
_AT_STAGE = {
    (550, "rcpt"): ("5.1.1", "Mailbox unavailable"),  # X.1.1 bad destination mailbox
    (450, "mail"): ("4.1.8", "Sender address rejected, try again later"),  # X.1.8
    (550, "mail"): ("5.1.8", "Sender address rejected"),  # X.1.8 bad sender's system address
    (554, "connect"): ("5.3.2", "No SMTP service here"),  # RFC 5321 3.1
    (421, "rate"): ("4.7.0", "Too many messages, slow down"),
    (451, "rate"): ("4.7.0", "Too many messages, slow down"),
    (454, "rate"): ("4.7.0", "Too many authentication attempts, slow down"),
}


def reply_code(spec: RuleSpec) -> int:
    """The code a firing rule answers with."""
    if spec.code is not None:
        return spec.code
    return (DEFAULT_CODE if spec.rate is None else RATE_CODE)[spec.acts_at]


def reply_line(spec: RuleSpec) -> str:
    """``"451 4.3.0 text"``: the whole reply line (without CRLF) a firing rule sends."""
    code = reply_code(spec)
    enhanced, default = _AT_STAGE.get(
        (code, spec.acts_at if spec.rate is None else "rate"),
        _KNOWN.get(code, (f"{code // 100}.0.0", "Refused")),  # X.0.0: other or undefined
    )
    text = spec.text or default
    return f"{code} {text}" if is_enhanced(text) else f"{code} {enhanced} {text}"


def sends_reply(spec: RuleSpec) -> bool:
    """Whether a firing rule answers at all (a dropped connection without a code does not)."""
    return not spec.drop or spec.code is not None or spec.text is not None
