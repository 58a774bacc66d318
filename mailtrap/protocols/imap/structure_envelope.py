"""ENVELOPE (RFC 3501 7.4.2): a message's header fields as they stand, address lists split up.

Values keep their RFC 2047 encoded words (clients decode them); only folding is removed. Address
lists are split by a small, lenient RFC 5322 3.4 tokenizer that never raises: whatever it cannot
make sense of still comes out as some address rather than an error.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from ...mimeheaders import header_values
from ...mimetree import BodyPart, MessageStructure
from .format import Joined

_FIELDS = frozenset(
    {
        "date",
        "subject",
        "from",
        "sender",
        "reply-to",
        "to",
        "cc",
        "bcc",
        "in-reply-to",
        "message-id",
    }
)
_SPACE = " \t\r\n"
_ATOM_END = frozenset(_SPACE + '()<>[]:;@\\,."')
_SPECIALS = frozenset("<>:;@,.")

Token = tuple[str, str, bool]  # kind ("word", "special" or "comment"), text, space before it
Address = list[str | bytes | None]


def envelope(structure: MessageStructure, part: BodyPart | None = None) -> list:
    """The ENVELOPE of the message whose root is ``part`` (default: the whole message's root).

    For a message/rfc822 part pass its ``message`` (the encapsulated message's root).
    """
    root = structure.root if part is None else part
    values = header_values(structure.wire, root.header_start, root.header_end, _FIELDS)

    def plain(name: str) -> str | bytes | None:
        value = values.get(name)
        return None if value is None else imap_value(value)

    def addresses(name: str) -> list[Joined] | None:
        # RFC 3501 9: env-from = "(" 1*address ")" / nil; no SP between the addresses
        found = address_list(values.get(name))
        return [Joined(found)] if found else None

    sender = addresses("from")
    return [
        plain("date"),
        plain("subject"),
        sender,
        addresses("sender") or sender,  # RFC 3501 7.4.2: absent or empty -> From
        addresses("reply-to") or sender,
        addresses("to"),
        addresses("cc"),
        addresses("bcc"),
        plain("in-reply-to"),
        plain("message-id"),
    ]


def address_list(value: bytes | None) -> list[Address] | None:
    """An address field as RFC 3501 7.4.2 address structures ``[name, adl, mailbox, host]``.

    A group becomes a start marker ``[NIL, NIL, group name, NIL]``, its members, and an end marker
    ``[NIL, NIL, NIL, NIL]``. No field, or no address in it, gives NIL.
    """
    if value is None:
        return None
    try:
        found = _parse(_tokenize(value.decode("latin-1")))
    except Exception:  # the tokenizer is meant never to fail; this is the backstop
        return None
    return found or None


def _tokenize(value: str) -> list[Token]:
    """RFC 5322 3.2 lexical tokens: words (atoms, quoted strings, domain literals), specials,
    comments; each token notes whether white space preceded it."""
    tokens: list[Token] = []
    i, n, space = 0, len(value), False
    while i < n:
        char = value[i]
        if char in _SPACE:
            i, space = i + 1, True
            continue
        if char == '"':  # RFC 5322 3.2.4 quoted string: backslash quotes the next character
            i, word = _quoted(value, i + 1, '"')
            tokens.append(("word", word, space))
        elif char == "(":  # RFC 5322 3.2.2 comment, possibly nested
            i, word = _comment(value, i + 1)
            tokens.append(("comment", word, space))
        elif char == "[":  # RFC 5322 3.4.1 domain literal, kept with its brackets
            end = value.find("]", i)
            end = n - 1 if end < 0 else end
            tokens.append(("word", value[i : end + 1], space))
            i = end + 1
        elif char in _SPECIALS:
            tokens.append(("special", char, space))
            i += 1
        else:
            end = i + 1
            while end < n and value[end] not in _ATOM_END:
                end += 1
            tokens.append(("word", value[i:end], space))
            i = end
        space = False
    return tokens


def _quoted(value: str, i: int, close: str) -> tuple[int, str]:
    chars = []
    while i < len(value) and value[i] != close:
        if value[i] == "\\" and i + 1 < len(value):
            i += 1
        chars.append(value[i])
        i += 1
    return i + 1, "".join(chars)


def _comment(value: str, i: int) -> tuple[int, str]:
    chars, depth = [], 1
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            chars.append(value[i + 1])
            i += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            break
        chars.append(char)
        i += 1
    return i + 1, "".join(chars)


def _parse(tokens: list[Token]) -> list[Address]:
    """RFC 5322 3.4 address-list, groups included, read leniently."""
    out: list[Address] = []
    run: list[Token] = []  # the words and specials of the address being read
    comments: list[str] = []
    in_group = done = False  # done: the current address was already written (an angle-addr)
    i = 0
    while i < len(tokens):
        kind, word, _ = token = tokens[i]
        i += 1
        special = word if kind == "special" else ""
        if kind == "comment":
            comments.append(word)
        elif special in (",", ";"):
            if not done:
                _addr_spec(run, comments, out)
            run, comments, done = [], [], False
            if special == ";" and in_group:  # RFC 3501 7.4.2: end of group marker
                out.append([None, None, None, None])
                in_group = False
        elif done:
            continue  # stray text after an angle-addr
        elif special == "<":  # RFC 5322 3.4 name-addr: [display-name] angle-addr
            close = next(
                (j for j in range(i, len(tokens)) if tokens[j][:2] == ("special", ">")),
                len(tokens),
            )
            inner = [t for t in tokens[i:close] if t[0] != "comment"]
            out.append(_angle_addr(run, inner))
            i, done = close + 1, True
        elif special == ":" and not in_group:  # RFC 5322 3.4 group: display-name ":"
            out.append([None, None, _string(_join(run)), None])
            run, comments, in_group = [], [], True
        else:
            run.append(token)
    if not done:
        _addr_spec(run, comments, out)
    if in_group:  # an unterminated group is still closed, so the structure stays balanced
        out.append([None, None, None, None])
    return out


def _addr_spec(run: list[Token], comments: list[str], out: list[Address]) -> None:
    """A bare addr-spec; a comment beside it serves as the name ("a@b (Name)")."""
    if run:
        mailbox, host = _split(run)
        name = _string(" ".join(comments)) if comments else None
        out.append([name or None, None, mailbox, host])


def _angle_addr(phrase: list[Token], inner: list[Token]) -> Address:
    """``display-name <[@route:]local@domain>``: RFC 5322 3.4, obsolete route (4.4) kept as adl."""
    colon = next((j for j, t in enumerate(inner) if t[:2] == ("special", ":")), -1)
    route = _string(_join(inner[:colon])) if colon >= 0 else None
    mailbox, host = _split(inner[colon + 1 :])
    return [_string(_join(phrase)) or None, route or None, mailbox, host]


def _split(tokens: list[Token]) -> tuple[str | bytes, str | bytes]:
    """local-part and domain around the last "@"; without one, the domain is empty (never NIL,
    which would read as a group marker)."""
    at = max((j for j, t in enumerate(tokens) if t[:2] == ("special", "@")), default=-1)
    if at < 0:
        return _string(_join(tokens)), ""
    return _string(_join(tokens[:at])), _string(_join(tokens[at + 1 :]))


def _join(tokens: list[Token]) -> str:
    """Token texts joined, one space where the original had white space."""
    text = ""
    for _, word, space in tokens:
        text += " " + word if space and text else word
    return text


def _string(text: str) -> str | bytes:
    return imap_value(text.encode("latin-1"))


def imap_value(data: bytes) -> str | bytes:
    """A header value as an IMAP string: ``str`` when it is UTF-8 (ASCII included), else raw bytes.

    Either way the engine's formatter sends exactly the original octets.
    """
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data
