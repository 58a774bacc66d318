"""Byte-level edits of a message's header block: drop fields, set one; every other byte is kept.

For the places that hand a captured or submitted message on (``mailtrap sendmail``, release and
relay), which must change a few header fields without re-serialising — and so re-folding or
re-encoding — the rest of the message.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Iterable

from .message import header_block


def _fields(block: bytes) -> list[list[bytes]]:
    """The header block as fields, each a list of its lines (continuations included)."""
    fields: list[list[bytes]] = []
    for line in block.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1].append(line)
        else:
            fields.append([line])
    return fields


def _name(field: list[bytes]) -> bytes:
    name, colon, _ = field[0].partition(b":")
    return name.strip().lower() if colon else b""


def _edit(raw: bytes, drop: set[bytes], add: bytes = b"") -> bytes:
    block = header_block(raw)
    kept = [field for field in _fields(block) if _name(field) not in drop]
    return add + b"".join(line for field in kept for line in field) + raw[len(block) :]


def remove_headers(raw: bytes, names: Iterable[str]) -> bytes:
    """``raw`` without the header fields named (any case)."""
    return _edit(raw, {name.lower().encode() for name in names})


def set_header(raw: bytes, name: str, value: str) -> bytes:
    """``raw`` with exactly one ``name`` field, holding ``value``, at the top of the header."""
    block = header_block(raw)
    newline = b"\n" if block.endswith(b"\n") and not block.endswith(b"\r\n") else b"\r\n"
    field = f"{name}: {value}".encode() + newline
    if not block:  # no header at all: the field starts one, and a blank line ends it
        return field + (b"" if raw.startswith((b"\r\n", b"\n")) else newline) + raw
    return _edit(raw, {name.lower().encode()}, field)


def has_header(raw: bytes, name: str) -> bool:
    wanted = name.lower().encode()
    return any(_name(field) == wanted for field in _fields(header_block(raw)))
