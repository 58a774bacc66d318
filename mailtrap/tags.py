"""Tags (Mailpit's labels on messages) as pure functions: cleaning names, reading ``X-Tags``.

A tag name keeps only letters, digits, ``-``, ``.``, ``_`` and spaces (anything else becomes a
space; runs of white space become one space; the ends are trimmed), as Mailpit's are; a name that
cleans to nothing is dropped. Tags compare case-insensitively: the store keeps each tag under the
spelling it first saw. :func:`header_tags` reads a new message's ``X-Tags`` header (comma
separated); it runs on the SMTP path for every message, so a message without the header costs a
couple of byte searches over its header block and nothing more.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .message import decode_words, read_head

#: At most this many tags on one message (more in ``X-Tags`` are dropped; the API refuses more).
MAX_TAGS = 100
#: A tag name is cut to this many characters.
MAX_TAG_LENGTH = 100
#: ``X-Tags`` is looked for in this much of a message's start (its header block).
HEADER_SCAN = 64 * 1024

#: Compiled on first use (``re`` caches it): mail without tags never pays for it.
_INVALID = r"[^A-Za-z0-9._ -]+"


def clean_tag(name: str) -> str:
    """The name as a tag: invalid characters become spaces, white space is collapsed."""
    cleaned = " ".join(re.sub(_INVALID, " ", name).split())
    return cleaned[:MAX_TAG_LENGTH].rstrip()


def tag_key(name: str) -> str:
    """What two spellings of one tag have in common."""
    return name.casefold()


def clean_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Cleaned, without empty names and repeats (case-insensitively), at most :data:`MAX_TAGS`."""
    seen: dict[str, str] = {}
    for name in names:
        tag = clean_tag(name)
        if tag and tag_key(tag) not in seen:
            seen[tag_key(tag)] = tag
            if len(seen) == MAX_TAGS:
                break
    return tuple(seen.values())


def sort_tags(names: Iterable[str]) -> tuple[str, ...]:
    """Tags in the order every answer lists them: case-insensitively by name."""
    return tuple(sorted(names, key=lambda name: (tag_key(name), name)))


def header_tags(raw: bytes) -> tuple[str, ...]:
    """The cleaned tags of a message's ``X-Tags`` header fields; () when it has none."""
    end = raw.find(b"\r\n\r\n", 0, HEADER_SCAN)
    if end < 0:
        end = HEADER_SCAN
    bare = raw.find(b"\n\n", 0, end)  # a message with bare LF line ends
    if bare >= 0:
        end = bare
    if raw[:end].lower().find(b"x-tags") < 0:  # the cheap test: most mail has no such header
        return ()
    values = read_head(raw[:end] + b"\n\n").get_all("X-Tags") or []
    return clean_tags(part for value in values for part in decode_words(str(value)).split(","))
