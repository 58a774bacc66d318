"""The accounts of ``users`` mode, and the viewer's users of ``--ui-auth``.

A users file (``--users FILE``) has one account a line, ``address:hash[:alias,alias]``; blank
lines and lines starting with ``#`` are skipped. The hash is bcrypt, SHA-512-crypt or
``{PLAIN}secret`` (see :mod:`.hashes`); a plain secret therefore cannot hold a ``:``. An alias
is another address whose mail is the account's, or a catch-all ``*@domain`` for every address
of a domain that is neither an account nor another account's alias.

The inline form (``MAILTRAP_USERS="alice@example.com:secret bob@example.com:pw"``) is the same
lines separated by white space, with plain passwords. The Python API gives a mapping of
address to plain password, and :meth:`Users.add` adds one more while the servers run.

An htpasswd file (``--ui-auth FILE``, :func:`read_htpasswd`) has ``name:hash`` lines, apr1 or
bcrypt, names compared exactly as Apache does; account addresses are compared as the store
compares them (:func:`~mailtrap.message.mailbox_key`).

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from ..message import mailbox_key, normalize_address
from .credentials import Refusal, check_name
from .hashes import HTPASSWD, Secret, typical_decoy


class UsersError(ValueError):
    """A users or htpasswd file that cannot be used: one line saying where and why."""


@dataclass(frozen=True, slots=True)
class Account:
    """One account: its address, its secret, and the other addresses whose mail it gets."""

    address: str
    secret: Secret
    aliases: tuple[str, ...] = ()


def _domain(address: str) -> str:
    return address.rpartition("@")[2].lower()


def check_address(text: str, *, alias: bool = False) -> str:
    try:
        check_name(text)
    except Refusal as error:
        raise ValueError(f"{text!r}: {error}") from None
    local, at, domain = normalize_address(text).rpartition("@")
    if not (at and local and domain) or (not alias and local == "*"):
        raise ValueError(f"{text!r} is not an address" + (" or *@domain" if alias else ""))
    return f"{local}@{domain}"


class Users:
    """A table of accounts, looked up by address in any case; safe to add to from any thread."""

    def __init__(self, accounts: Iterable[Account] = ()) -> None:
        self._lock = threading.Lock()
        self._accounts: dict[str, Account] = {}
        self._aliases: dict[str, str] = {}  # alias key (or "*@domain") -> account key
        self._hashed = 0  # how many accounts keep a hash (kept as accounts come and go)
        #: Bumped at every change (the authenticator forgets what it verified before).
        self.version = 0
        for account in accounts:
            self._put(account, replace=False)
        self._decoy = typical_decoy(a.secret for a in self._accounts.values())

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def parse(cls, text: str, source: str = "users") -> Users:
        """Accounts from a users file's text; :class:`UsersError` names the line at fault."""
        accounts: list[Account] = []
        for number, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            try:
                accounts.append(_account_line(line))
            except ValueError as error:
                raise UsersError(f"{source} line {number}: {error}") from None
        try:
            return cls(accounts)
        except ValueError as error:
            raise UsersError(f"{source}: {error}") from None

    @classmethod
    def read(cls, path: str) -> Users:
        """Accounts from a users file."""
        try:
            with open(path, encoding="utf-8") as file:
                text = file.read()
        except (OSError, UnicodeDecodeError) as error:
            raise UsersError(f"cannot read {path}: {getattr(error, 'strerror', error)}") from None
        return cls.parse(text, path)

    @classmethod
    def inline(cls, text: str) -> Users:
        """The ``MAILTRAP_USERS`` form: ``address:password[:aliases]`` separated by white space."""
        accounts: list[Account] = []
        for number, entry in enumerate(text.split(), 1):
            address, colon, rest = entry.partition(":")
            secret, _, aliases = rest.partition(":")
            try:
                if not colon:
                    raise ValueError("expected address:password")
                aliases_ = [a for a in aliases.split(",") if a]
                accounts.append(_account(address, Secret.of_password(secret), aliases_))
            except ValueError as error:
                raise UsersError(f"entry {number} ({address!r}): {error}") from None
        try:
            return cls(accounts)
        except ValueError as error:
            raise UsersError(str(error)) from None

    @classmethod
    def of_passwords(cls, passwords: Mapping[str, str | bytes]) -> Users:
        """The Python API's ``users={"alice@example.com": "secret"}``."""
        return cls(_account(a, Secret.of_password(p)) for a, p in passwords.items())

    def add(self, address: str, password: str | bytes, aliases: Iterable[str] = ()) -> Account:
        """Add an account, or give an existing one this password and these aliases."""
        account = _account(address, Secret.of_password(password), aliases)
        with self._lock:
            self._put(account, replace=True)
            self.version += 1
        return account

    def _put(self, account: Account, *, replace: bool) -> None:
        key = mailbox_key(account.address)
        if key in self._accounts and not replace:
            raise ValueError(f"{account.address} is given twice")
        if key in self._aliases:
            raise ValueError(f"{account.address} is an alias of {self._aliases[key]}")
        old = self._accounts.get(key)
        aliases = {mailbox_key(a) for a in account.aliases}
        for alias in aliases:
            if alias in self._accounts and alias != key:
                raise ValueError(f"the alias {alias} is an account of its own")
            if self._aliases.get(alias, key) != key:
                raise ValueError(f"the alias {alias} belongs to {self._aliases[alias]}")
        if old is not None:
            for alias in old.aliases:
                self._aliases.pop(mailbox_key(alias), None)
            self._hashed -= old.secret.hashed is not None
        self._hashed += account.secret.hashed is not None
        self._accounts[key] = account
        self._aliases.update(dict.fromkeys(aliases, key))

    # -- reading -------------------------------------------------------------------------------

    def get(self, address: str) -> Account | None:
        """The account this address logs in to (not an alias), or None."""
        return self._accounts.get(mailbox_key(address))

    def owner(self, address: str) -> str | None:
        """The account whose mail this address is: the account itself, the one that has it as
        an alias, or the one with a catch-all for its domain; None for nobody's."""
        key = mailbox_key(address)
        account = self._accounts.get(key)
        if account is not None:
            return account.address
        owner = self._aliases.get(key) or self._aliases.get(f"*@{_domain(key)}")
        return None if owner is None else self._accounts[owner].address

    def decoy(self) -> Secret:
        """What an unknown name's password is checked against (see :func:`typical_decoy`)."""
        return self._decoy

    def all_plain(self) -> bool:
        """Whether every account keeps its password in plain text (CRAM-MD5 and APOP need it)."""
        return self._hashed == 0

    def __len__(self) -> int:
        return len(self._accounts)

    def __iter__(self) -> Iterator[Account]:
        return iter(list(self._accounts.values()))


def _account(address: str, secret: Secret, aliases: Iterable[str] = ()) -> Account:
    aliases = tuple(dict.fromkeys(check_address(a.strip(), alias=True) for a in aliases))
    return Account(check_address(address.strip()), secret, aliases)


def _account_line(line: str) -> Account:
    address, colon, rest = line.partition(":")
    if not colon:
        raise ValueError("expected address:hash[:alias,alias]")
    hashed, _, aliases = rest.partition(":")
    return _account(address, Secret.parse(hashed.strip()), [a for a in aliases.split(",") if a])


class Htpasswd:
    """The viewer's users (``--ui-auth``): ``name:hash`` lines, apr1 or bcrypt."""

    def __init__(self, entries: Mapping[str, Secret]) -> None:
        self._entries = dict(entries)
        self._decoy = typical_decoy(self._entries.values())

    def get(self, name: str) -> Secret | None:
        return self._entries.get(name)

    def decoy(self) -> Secret:
        return self._decoy

    def __len__(self) -> int:
        return len(self._entries)


def read_htpasswd(path: str) -> Htpasswd:
    """An htpasswd file as ``htpasswd`` (apr1) or ``htpasswd -B`` (bcrypt) writes it."""
    try:
        with open(path, encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError) as error:
        raise UsersError(f"cannot read {path}: {getattr(error, 'strerror', error)}") from None
    entries: dict[str, Secret] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, colon, hashed = line.partition(":")
        try:
            if not colon or not name:
                raise ValueError("expected name:hash")
            if name in entries:
                raise ValueError(f"{name!r} is given twice")
            entries[name] = Secret.parse(hashed, HTPASSWD)
        except ValueError as error:
            raise UsersError(f"{path} line {number}: {error}") from None
    if not entries:
        raise UsersError(f"{path} has no users")
    return Htpasswd(entries)
