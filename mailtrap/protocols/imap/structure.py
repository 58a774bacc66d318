"""Everything FETCH needs from a message's bytes: structure, ENVELOPE and BODY[section] octets.

Sections are cut from the wire bytes (:func:`wire_bytes`) by offsets, never re-serialised, so
folding, odd line breaks and every octet count are the original's. The part tree is the core's
one MIME walk (:mod:`mailtrap.mimetree`, shared with the HTTP API and the MIME view), ENVELOPE
is in ``structure_envelope``, BODY/BODYSTRUCTURE in ``structure_body``; this module adds
section extraction and re-exports them all. (Parsed structures are kept in the store's cache,
by message ID, as kind ``"mime-tree"``: see ``selected.SelectedMailbox``.)

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from ...mimeheaders import header_fields
from ...mimetree import BodyPart, MessageStructure, message_structure, wire_bytes
from .structure_body import body_structure
from .structure_envelope import address_list, envelope

__all__ = [
    "BodyPart",
    "MessageStructure",
    "address_list",
    "body_structure",
    "envelope",
    "find_part",
    "message_structure",
    "section",
    "wire_bytes",
]

SECTION_KINDS = frozenset({"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT", "MIME"})


def find_part(structure: MessageStructure, part: tuple[int, ...]) -> BodyPart | None:
    """The part a section number names (RFC 3501 6.4.5), or None when there is no such part.

    ``()`` is the root. Inside a message (the top level, or a message/rfc822 part) a multipart
    root's parts are numbered from 1 and a non-multipart root is part 1 itself; a multipart
    part's children are numbered from 1.
    """
    node = structure.root
    for depth, number in enumerate(part):
        if depth == 0:
            siblings = _message_parts(node)
        elif node.type == "multipart":
            siblings = node.children
        elif node.message is not None:  # RFC 3501 6.4.5: a MESSAGE/RFC822 part's own parts
            siblings = _message_parts(node.message)
        else:
            return None
        if not 1 <= number <= len(siblings):
            return None
        node = siblings[number - 1]
    return node


def section(
    structure: MessageStructure, part: tuple[int, ...], kind: str, fields: tuple[str, ...] = ()
) -> bytes:
    """The octets of ``BODY[<part>.<kind> (<fields>)]`` (RFC 3501 6.4.5); b"" for no such part.

    ``kind`` is "", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT" or "MIME".
    """
    kind = kind.upper()
    wire = structure.wire
    node = find_part(structure, part)
    if node is None or kind not in SECTION_KINDS:
        return b""
    if not part:
        if kind == "":  # the whole message
            return wire
        if kind == "MIME":  # RFC 3501 6.4.5: MIME needs a part number
            return b""
        message = node
    elif kind == "":
        return wire[node.body_start : node.body_end]
    elif kind == "MIME":  # RFC 3501 6.4.5: the part's own MIME header
        return wire[node.header_start : node.header_end]
    elif node.message is None:  # RFC 3501 6.4.5: HEADER/TEXT after a number need MESSAGE/RFC822
        return b""
    else:
        message = node.message
    if kind == "HEADER":
        return wire[message.header_start : message.header_end]
    if kind == "TEXT":
        return wire[message.body_start : message.body_end]
    return _header_fields(structure, message, fields, kind == "HEADER.FIELDS.NOT")


def _message_parts(root: BodyPart) -> tuple[BodyPart, ...]:
    """The numbered parts of a message: a multipart root's children, or the root as part 1."""
    return root.children if root.type == "multipart" else (root,)


def _header_fields(
    structure: MessageStructure, message: BodyPart, names: tuple[str, ...], exclude: bool
) -> bytes:
    """HEADER.FIELDS (or .NOT): the matching field lines as they are, then the blank line.

    Names compare case-insensitively (RFC 3501 6.4.5); each field keeps its folding. A message
    with no blank line after its header gets none invented (RFC 3501 6.4.5).
    """
    wire = structure.wire
    wanted = {name.lower() for name in names}
    lines = []
    for field in header_fields(wire, message.header_start, message.header_end):
        if (field.name in wanted) != exclude:
            line = wire[field.start : field.end]
            lines.append(line if line.endswith(b"\r\n") else line + b"\r\n")
    header = wire[message.header_start : message.header_end]
    if header == b"\r\n" or header.endswith(b"\r\n\r\n"):
        lines.append(b"\r\n")  # RFC 3501 6.4.5: the blank line, unless the message has none
    return b"".join(lines)
