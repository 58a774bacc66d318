"""``mailtrap passwd``: print a password hash for a users file (``--users FILE``).

The password is asked for twice on a terminal, or read as one line from standard input
otherwise (``echo secret | mailtrap passwd``). With an address, the whole line is printed
(``alice@example.com:$2b$12$...``), ready to append to the file. bcrypt by default;
``--scheme sha512-crypt`` for SHA-512-crypt. A bad option or an empty or mismatched password:
one line on standard error, exit status 2.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from typing import NoReturn

from .auth.hashes import SCHEME_NAMES, hash_password
from .auth.users import check_address

PROG = "mailtrap passwd"


class _Failure(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _Failure(message)


def _parser() -> _Parser:
    parser = _Parser(prog=PROG, description="Print a password hash for a mailtrap users file.")
    parser.add_argument(
        "address", nargs="?", help="print the whole users-file line for this address"
    )
    parser.add_argument(
        "--scheme", choices=sorted(SCHEME_NAMES), default="bcrypt", help="default bcrypt"
    )
    return parser


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise _Failure("the passwords differ")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def main(argv: Sequence[str]) -> int:
    try:
        options = _parser().parse_args(list(argv))
        address = None
        if options.address is not None:
            try:
                address = check_address(options.address)
            except ValueError as error:
                raise _Failure(str(error)) from None
        password = _read_password()
        if not password:
            raise _Failure("empty password")
        hashed = hash_password(password, SCHEME_NAMES[options.scheme])
        print(hashed if address is None else f"{address}:{hashed}")
    except _Failure as failure:
        print(f"{PROG}: error: {failure}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, EOFError):
        return 2
    return 0
