"""The command line: ``mailtrap`` serves everything; ``mailtrap healthcheck`` probes a running one;
``mailtrap passwd`` prints a password hash (:mod:`mailtrap.passwd`); ``mailtrap sendmail``
(also run as ``sendmail`` through a link) is :mod:`mailtrap.sendmail`.

Every flag is also an environment variable, ``MAILTRAP_`` + the flag upper-cased with ``-`` as
``_``; a flag beats its variable. Errors (a bad option, a busy port) are one line on stderr and
exit status 2, never a traceback. This module is the only reader of ``sys.argv``.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from typing import NoReturn

from . import cli_values as values
from ._version import __version__
from .config import SERVICES, SMTP_AUTH_MODES, Config, names, parse_duration
from .relay import RelaySettings, RelaySettingsError
from .runtime import BindError, Runtime, tune_server_process
from .storage import open_store
from .store import DatabaseError

DEFAULT_MAX_MESSAGES = 10_000


class UsageError(Exception):
    """A bad option or environment variable: reported in one line, exit status 2."""


def env_name(flag: str) -> str:
    return "MAILTRAP_" + flag.lstrip("-").upper().replace("-", "_")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _build_parser(prog: str, health: bool) -> _Parser:
    """One parser for serving and for the health check, so both read the same variables."""
    parser = _Parser(
        prog=prog,
        description="Exit 0 when the mailtrap servers configured like this answer."
        if health
        else "A mail sink for tests and development.",
        epilog="Every option can also be set as MAILTRAP_<OPTION> (e.g. MAILTRAP_MAX_SIZE).",
    )
    parser.add_argument("--version", action="version", version=f"mailtrap {__version__}")
    parser.add_argument("--listen", metavar="HOST", help="host for addresses given as a bare port")
    for service in SERVICES:
        hint = " (only with TLS)" if service.implicit_tls else ""
        parser.add_argument(
            f"--{service.name}",
            metavar="ADDR",
            help=f"{service.description}: HOST:PORT, PORT or off; default {service.default_port}"
            + hint,
        )
    parser.add_argument("--hostname", help="name the servers greet with (default localhost)")
    parser.add_argument("--max-size", metavar="BYTES", help="largest message (default 25 MiB)")
    parser.add_argument(
        "--max-messages", metavar="N", help="keep at most N messages, oldest pruned first"
    )
    parser.add_argument(
        "--tls-self-signed",
        action="store_const",
        const="1",
        help="turn TLS on with a generated certificate",
    )
    parser.add_argument("--tls-cert", metavar="FILE", help="TLS certificate (PEM)")
    parser.add_argument("--tls-key", metavar="FILE", help="TLS private key (PEM)")
    parser.add_argument(
        "--db", metavar="FILE", help="keep mail in this SQLite database (default: in memory)"
    )
    parser.add_argument(
        "--db-sync",
        metavar="MODE",
        help="normal (safe against a crash; default) or full (also against power loss)",
    )
    parser.add_argument(
        "--max-age", metavar="DURATION", help="prune mail older than this (90m, 24h, 7d)"
    )
    parser.add_argument(
        "--auth",
        metavar="MODE",
        help="who may log in: any (any password, the default), own (any password, own mail "
        "only) or users (the accounts of --users)",
    )
    parser.add_argument(
        "--users",
        metavar="FILE",
        help="accounts for --auth users: a file of address:hash[:alias,...] lines, or inline "
        "'alice@example.com:secret bob@example.com:pw'",
    )
    parser.add_argument(
        "--smtp-auth",
        metavar="MODE",
        help="SMTP AUTH: off, optional (the default) or required (530 to MAIL before AUTH)",
    )
    parser.add_argument(
        "--ui-auth",
        metavar="FILE",
        help="htpasswd file (apr1 or bcrypt) of users who may see everything in the viewer and API",
    )
    parser.add_argument(
        "--http-allowed-hosts",
        metavar="HOSTS",
        help="Host names HTTP answers (DNS-rebinding guard; *.domain for subdomains); "
        "default: loopback names when bound to loopback",
    )
    parser.add_argument(
        "--api-cors",
        metavar="ORIGINS",
        help="browser origins allowed to call the API (* or a comma list); default none",
    )
    parser.add_argument(
        "--rules",
        metavar="FILE",
        help="SMTP fault-injection rules: a JSON list, each rule as POST /api/v1/rules takes",
    )
    parser.add_argument(
        "--relay", metavar="HOST:PORT", help="SMTP server that release (and --relay-match) sends to"
    )
    parser.add_argument(
        "--relay-tls", metavar="MODE", help="starttls or tls (implicit) for the relay server"
    )
    parser.add_argument("--relay-auth", metavar="USER:PASS", help="log in to the relay server")
    parser.add_argument(
        "--relay-match",
        metavar="REGEX",
        help="relay every message at once to its recipients matching REGEX",
    )
    parser.add_argument(
        "--spamassassin",
        metavar="HOST:PORT",
        help="a spamd to score messages with (GET /api/v1/message/ID/sa-check)",
    )
    parser.add_argument(
        "--allow-internal-http-requests",
        action="store_const",
        const="1",
        help="let the link check reach loopback, private and link-local addresses",
    )
    return parser


def _option(args: argparse.Namespace, flag: str) -> str | None:
    """A flag's value, else its environment variable's, else None."""
    value = getattr(args, flag.replace("-", "_"), None)
    return value if value is not None else os.environ.get(env_name(flag))


def _parsed(args: argparse.Namespace, flag: str, convert, default=None):  # noqa: ANN001
    value = _option(args, flag)
    if value is None:
        return default
    try:
        return convert(value)
    except ValueError as error:
        raise UsageError(f"--{flag} / {env_name(flag)}: {error}") from None


def config_from_args(args: argparse.Namespace) -> Config:
    """Turn parsed flags plus ``MAILTRAP_*`` variables into a :class:`Config`."""
    listen = _option(args, "listen") or "127.0.0.1"
    ports: dict[str, int | None] = {}
    hosts: dict[str, str] = {}
    for service in SERVICES:
        address = _parsed(args, service.name, values.parse_address, (None, service.default_port))
        if address is None:
            ports[service.name] = None
            continue
        host, ports[service.name] = address
        if host:
            hosts[service.name] = host
    options: dict = {"host": listen, "ports": ports, "hosts": hosts}
    options["hostname"] = _option(args, "hostname") or "localhost"
    options["max_size"] = _parsed(
        args, "max-size", values.message_size, Config._field_defaults["max_size"]
    )
    max_messages = _parsed(args, "max-messages", values.size, DEFAULT_MAX_MESSAGES)
    options["max_messages"] = max_messages or None
    options["tls"] = _parsed(args, "tls-self-signed", values.flag_bool, False)
    options["tls_cert"] = _option(args, "tls-cert")
    options["tls_key"] = _option(args, "tls-key")
    if bool(options["tls_cert"]) != bool(options["tls_key"]):
        raise UsageError("--tls-cert and --tls-key go together")
    for flag in ("tls-cert", "tls-key"):
        path = options[flag.replace("-", "_")]
        if path and not os.path.isfile(path):
            raise UsageError(f"--{flag} / {env_name(flag)}: no such file: {path}")
    options["rules"] = _parsed(args, "rules", values.rules, ())
    options["db"] = _option(args, "db") or None
    options["db_sync"] = _parsed(args, "db-sync", values.db_sync, "normal")
    options["max_age"] = _parsed(args, "max-age", parse_duration, None)
    relay = {f: _option(args, f) for f in ("relay", "relay-tls", "relay-auth", "relay-match")}
    try:
        RelaySettings.parse(*relay.values())
    except RelaySettingsError as error:
        raise UsageError(f"--{error.flag} / {env_name(error.flag)}: {error}") from None
    options.update((flag.replace("-", "_"), value) for flag, value in relay.items())
    options["spamassassin"] = _parsed(args, "spamassassin", values.spamd)
    options["allow_internal_http_requests"] = _parsed(
        args, "allow-internal-http-requests", values.flag_bool, False
    )
    options.update(_accounts(args))
    try:
        return Config(**options)
    except ValueError as error:  # a mode that is none of the choices
        raise UsageError(str(error)) from None


def _accounts(args: argparse.Namespace) -> dict:
    """``--auth``, ``--users``, ``--smtp-auth``, ``--ui-auth``, ``--http-allowed-hosts`` and
    ``--api-cors``; the command line delays failed logins."""
    auth = (_option(args, "auth") or "any").lower()
    if auth not in ("any", "own", "users"):
        raise UsageError(f"--auth / {env_name('auth')}: expected any, own or users, got {auth!r}")
    smtp_auth = (_option(args, "smtp-auth") or "optional").lower()
    if smtp_auth not in SMTP_AUTH_MODES:
        raise UsageError(
            f"--smtp-auth / {env_name('smtp-auth')}: expected off, optional or required, "
            f"got {smtp_auth!r}"
        )
    users = _parsed(args, "users", values.users)
    if (users is None) != (auth != "users"):
        raise UsageError(
            "--auth users needs --users FILE (or MAILTRAP_USERS)"
            if users is None
            else "--users is for --auth users"
        )
    options = {"auth": auth, "users": users, "smtp_auth": smtp_auth, "auth_delays": True}
    options["ui_auth"] = _parsed(args, "ui-auth", values.htpasswd)
    hosts = _option(args, "http-allowed-hosts")
    options["http_allowed_hosts"] = names(hosts) if hosts is not None else None
    options["api_cors"] = names(_option(args, "api-cors") or "")
    return options


async def serve(config: Config) -> None:
    """Run every configured server until SIGINT or SIGTERM."""
    try:
        store = open_store(config)
    except DatabaseError as error:
        raise UsageError(f"--db / {env_name('db')}: {error}") from None
    runtime = Runtime(config, store)
    await runtime.start()
    try:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # before the banner says it stops
            loop.add_signal_handler(sig, stop.set)
        rules = f" ({len(config.rules)} fault-injection rule(s) in force)" if config.rules else ""
        kept = f" in {config.db}" if config.db else ""
        print(f"mailtrap {__version__} is catching mail{kept}{rules}:", flush=True)
        for name, address in runtime.addresses.items():
            shown = f"http://{address}" if name == "http" else address  # clickable viewer URL
            print(f"  {name.upper():6} {shown}", flush=True)
        print("Ctrl-C (or SIGTERM) stops it.", flush=True)
        if runtime.relay is not None:
            print(f"Release (and --relay-match) sends through {runtime.relay.settings}.")
        await stop.wait()
    finally:
        await runtime.stop()
        store.close()


def main(argv: Sequence[str] | None = None) -> int:
    if argv is None and os.path.basename(sys.argv[0]) == "sendmail":  # linked as sendmail
        argv = ["sendmail", *sys.argv[1:]]
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "passwd":
        from .passwd import main as passwd

        return passwd(argv[1:])
    if argv and argv[0] == "sendmail":
        from .sendmail import main as sendmail

        return sendmail(argv[1:])
    is_health = bool(argv) and argv[0] == "healthcheck"
    prog = "mailtrap healthcheck" if is_health else "mailtrap"
    try:
        parser = _build_parser(prog, is_health)
        args = parser.parse_args(argv[1:] if is_health else argv)
        config = config_from_args(args)
        if is_health:
            from .healthcheck import healthcheck

            return healthcheck(config)
        tune_server_process()
        asyncio.run(serve(config))
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return 2
    except BindError as error:
        flag = f"--{error.service.name}"
        print(
            f"mailtrap: error: {error}; choose another with {flag} or {env_name(flag)}",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
