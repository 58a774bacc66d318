"""One command-line value (a flag, or its ``MAILTRAP_*`` variable) turned into what
:class:`~mailtrap.config.Config` takes. A bad value is a ``ValueError`` saying why; the command
line (:mod:`mailtrap.cli`) names the flag and reports it in one line.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import json
import os

from .auth import Htpasswd, Users, UsersError, read_htpasswd
from .faults import RuleError, RuleSpec

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def parse_address(value: str) -> tuple[str | None, int] | None:
    """``HOST:PORT``, ``[V6]:PORT``, ``PORT`` or ``off`` -> (host or None, port) or None."""
    value = value.strip()
    if value.lower() == "off":
        return None
    host: str | None = None
    port_text = value
    if value.startswith("["):
        end = value.find("]")
        if end < 0 or value[end + 1 : end + 2] != ":":
            raise ValueError(f"bad address {value!r}: expected [IPv6]:PORT")
        host, port_text = value[1:end], value[end + 2 :]
    elif ":" in value:
        host, _, port_text = value.rpartition(":")
    if not port_text.isdigit() or not 0 <= int(port_text) <= 65535:
        raise ValueError(f"bad address {value!r}: expected HOST:PORT, PORT or off")
    return host or None, int(port_text)


def size(value: str) -> int:
    if not value.isdigit():
        raise ValueError(f"expected a number of bytes, got {value!r}")
    return int(value)


def message_size(value: str) -> int:
    number = size(value)
    if number < 1:  # SMTP, IMAP and the API would each read 0 differently
        raise ValueError(f"a message can be no smaller than 1 byte, got {value!r}")
    return number


def flag_bool(value: str) -> bool:
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ValueError(f"expected true or false, got {value!r}")


def htpasswd(path: str) -> Htpasswd:
    try:
        return read_htpasswd(path)
    except UsersError as error:
        raise ValueError(str(error)) from None


def users(value: str) -> Users:
    """A users file, or the inline form (``address:password`` entries) when no such file."""
    try:
        if os.path.isfile(value) or ":" not in value:
            return Users.read(value)
        return Users.inline(value)
    except UsersError as error:
        raise ValueError(str(error)) from None


def db_sync(value: str) -> str:
    if value.lower() not in ("normal", "full"):
        raise ValueError(f"expected normal or full, got {value!r}")
    return value.lower()


def spamd(value: str) -> str:
    address = parse_address(value)
    if address is None or address[1] == 0:
        raise ValueError(f"expected HOST:PORT of a spamd, got {value!r}")
    host, port = address
    host = host or "127.0.0.1"
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def rules(path: str) -> tuple[RuleSpec, ...]:
    from .faults.schema import specs_from_json

    try:
        with open(path, "rb") as file:
            data = json.load(file)
    except OSError as error:
        raise ValueError(f"cannot read {path}: {error.strerror}") from None
    except (ValueError, RecursionError) as error:
        raise ValueError(f"{path} is not valid JSON: {error}") from None
    try:
        return tuple(specs_from_json(data))
    except RuleError as error:
        raise ValueError(f"{path}: {error}") from None
