"""BODY and BODYSTRUCTURE (RFC 3501 7.4.2) as nested lists for the engine's formatter.

``str``/``bytes`` are IMAP strings, ``None`` is NIL, ``int`` a number, ``list`` a parenthesized
list, :class:`~.format.Joined` values written side by side; the formatter decides how each
string goes on the wire.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from ...mimetree import BodyPart, MessageStructure, Params
from .format import Joined
from .structure_envelope import envelope


def body_structure(structure: MessageStructure, extensible: bool) -> list:
    """BODY (``extensible=False``) or BODYSTRUCTURE (``True``) of the whole message."""
    return _body(structure, structure.root, extensible)


def _body(structure: MessageStructure, part: BodyPart, extensible: bool) -> list:
    if part.type == "multipart":  # RFC 3501 7.4.2: the parts, then the subtype
        # RFC 3501 9: body-type-mpart = 1*body SP media-subtype; no SP between the parts
        out: list = [Joined(_body(structure, child, extensible) for child in part.children)]
        out.append(part.subtype)
        if extensible:  # RFC 3501 7.4.2 multipart extension data
            out += [_params(part.params), *_extension(part)]
        return out
    out = [
        part.type,
        part.subtype,
        _params(part.params),
        part.content_id,
        part.description,
        part.encoding,
        part.body_end - part.body_start,  # octets of the body as sent (wire bytes)
    ]
    if part.message is not None:  # RFC 3501 7.4.2: MESSAGE/RFC822 adds envelope, body, lines
        out += [
            envelope(structure, part.message),
            _body(structure, part.message, extensible),
            part.lines,
        ]
    elif part.type == "text":  # RFC 3501 7.4.2: TEXT adds the body's size in lines
        out.append(part.lines)
    if extensible:  # RFC 3501 7.4.2 non-multipart extension data
        out += [part.md5, *_extension(part)]
    return out


def _extension(part: BodyPart) -> list:
    """Disposition (RFC 2183), language (RFC 3282) and location (RFC 2557), in that order."""
    disposition = None
    if part.disposition is not None:
        kind, params = part.disposition
        disposition = [kind, _params(params)]
    language = list(part.language) if part.language else None
    return [disposition, language, part.location]


def _params(params: Params) -> list | None:
    """A parameter list ``[name, value, name, value, ...]``, or NIL when there are none."""
    return [item for pair in params for item in pair] or None
