"""The plugin's settings: ``--mailtrap-*`` options, ``mailtrap_*`` ini keys, ``MAILTRAP_*`` env.

Every option is read the same way: the command-line flag, else its environment variable (the flag
upper-cased with ``-`` as ``_``, as for the ``mailtrap`` command), else the ini key, else the
default. This module imports nothing from ``mailtrap``, so registering the options costs nothing.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

#: The server names the fixed interface knows (see DESIGN.md); ports are checked against these.
KNOWN_SERVICES = ("smtp", "smtps", "pop3", "pop3s", "imap", "imaps", "http")

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Option:
    """One setting, seen as a flag, an ini key and an environment variable."""

    # A plain class, not a dataclass: building a dataclass costs more than this whole plugin.
    __slots__ = ("help", "is_bool", "metavar", "name")

    def __init__(
        self, name: str, help: str, is_bool: bool = True, metavar: str | None = None
    ) -> None:
        self.name = name
        self.help = help
        self.is_bool = is_bool
        self.metavar = metavar

    @property
    def flag(self) -> str:
        return f"--mailtrap-{self.name}"

    @property
    def ini(self) -> str:
        return "mailtrap_" + self.name.replace("-", "_")

    @property
    def env(self) -> str:
        return self.flag.lstrip("-").upper().replace("-", "_")


OPTIONS = (
    Option(
        "fixed-ports",
        "run the session server on the command line's default ports (SMTP 1025, IMAP 1143, "
        "...) so a real mail client can connect; under xdist, worker gwN adds N",
    ),
    Option(
        "ports",
        "fixed ports for some servers, e.g. smtp=2525,http=8080 (the others stay ephemeral); "
        "under xdist, worker gwN adds N",
        is_bool=False,
        metavar="SERVICE=PORT,...",
    ),
    Option(
        "keep-alive",
        "keep the session server running after the tests, for inspection, until Ctrl-C "
        "(needs a single test process: not with -n)",
    ),
    Option(
        "print-url",
        "print where the session server listens, and the web viewer's URL when HTTP runs, "
        "as soon as it starts",
    ),
)


class Settings:
    """The resolved options of one pytest process."""

    __slots__ = ("fixed_ports", "keep_alive", "ports", "print_url", "worker")

    def __init__(
        self,
        fixed_ports: bool = False,
        ports: dict[str, int] | None = None,
        keep_alive: bool = False,
        print_url: bool = False,
        worker: int | None = None,
    ) -> None:
        self.fixed_ports = fixed_ports
        self.ports = ports or {}
        self.keep_alive = keep_alive
        self.print_url = print_url
        #: the xdist worker's number (gw3 -> 3), None outside xdist workers.
        self.worker = worker

    def port_options(self, services: dict[str, int], off: set[str]) -> dict[str, int]:
        """``MailTrap`` keyword arguments (``smtp_port=...``) for the fixed ports asked for.

        ``services`` maps each server this mailtrap has to its command-line default port;
        ``--mailtrap-fixed-ports`` leaves alone the servers in ``off`` (turned off by config).
        """
        unknown = sorted(set(self.ports) - set(services))
        if unknown:
            raise ValueError(
                f"--mailtrap-ports: this mailtrap has no {', '.join(unknown)} server "
                f"(it has {', '.join(services)})"
            )
        ports = {k: v for k, v in services.items() if k not in off} if self.fixed_ports else {}
        ports.update(self.ports)
        offset = self.worker or 0
        return {f"{name}_port": port + offset if port else 0 for name, port in ports.items()}

    def describe(self) -> str | None:
        """One line for pytest's header, or None when every option has its default."""
        parts = []
        if self.fixed_ports:
            parts.append("fixed ports")
        if self.ports:
            parts.append("ports " + ",".join(f"{k}={v}" for k, v in self.ports.items()))
        if self.keep_alive:
            parts.append("keep alive")
        if self.print_url:
            parts.append("print url")
        return "mailtrap: " + ", ".join(parts) if parts else None


def add_options(parser: pytest.Parser) -> None:
    """Register the ``mailtrap`` option group and its ini keys."""
    group = parser.getgroup("mailtrap", "mail sink fixtures (mailtrap)")
    for option in OPTIONS:
        help_text = f"{option.help} [env {option.env}, ini {option.ini}]"
        if option.is_bool:
            group.addoption(option.flag, action="store_true", default=None, help=help_text)
            parser.addini(option.ini, option.help, type="bool", default=False)
        else:
            group.addoption(option.flag, metavar=option.metavar, default=None, help=help_text)
            parser.addini(option.ini, option.help, type="string", default="")


def parse_bool(text: str) -> bool:
    if text.strip().lower() in _TRUE:
        return True
    if text.strip().lower() in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


def parse_ports(text: str) -> dict[str, int]:
    """``"smtp=2525, http=8080"`` -> ``{"smtp": 2525, "http": 8080}`` (commas or spaces)."""
    ports: dict[str, int] = {}
    for item in text.replace(",", " ").split():
        name, sep, port = item.partition("=")
        name = name.strip().lower()
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"expected SERVICE=PORT, got {item!r}")
        if name not in KNOWN_SERVICES:
            raise ValueError(f"unknown server {name!r}; use one of {', '.join(KNOWN_SERVICES)}")
        ports[name] = int(port)
    return ports


def _resolve(config: pytest.Config, option: Option, parse: Callable[[str], Any]) -> Any:
    """The flag, else the environment variable, else the ini key."""
    value = config.getoption(option.ini)
    if value is True:
        return True
    where = option.flag
    if value is None and option.env in os.environ:
        value, where = os.environ[option.env], option.env
    if value is None:
        value, where = config.getini(option.ini), f"ini {option.ini}"
        if option.is_bool:
            return bool(value)
    try:
        return parse(value)
    except ValueError as error:
        raise pytest.UsageError(f"{where}: {error}") from None


def read_settings(config: pytest.Config) -> Settings:
    """Resolve every option for this process; a bad value is a ``pytest.UsageError``."""
    values = {
        option.ini[len("mailtrap_") :]: _resolve(
            config, option, parse_bool if option.is_bool else parse_ports
        )
        for option in OPTIONS
    }
    workerinput = getattr(config, "workerinput", None)
    worker = int(workerinput["workerid"].lstrip("gw") or 0) if workerinput else None
    settings = Settings(worker=worker, **values)
    if settings.keep_alive and worker is None and config.getoption("dist", "no") != "no":
        raise pytest.UsageError(
            "--mailtrap-keep-alive needs a single test process: run without -n (or with -n 0)"
        )
    return settings
