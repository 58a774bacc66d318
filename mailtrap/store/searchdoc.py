"""The search document of a message: what lists and searches need, derived once from its bytes.

Built from the header summary and the body facts, with every searchable field case-folded, so a
search is a substring test per field. The store keeps one per message (built by its indexer,
off the SMTP path and the event loop, or on first need) and forgets it with the message.

:func:`may_contain` is the cheap test a search uses on messages not indexed yet: for a plain
ASCII message it says for sure when a needle is absent, without building the document.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..facts import Facts, facts_of
from ..message import Address, Summary, mailbox_key


class SearchDoc(NamedTuple):
    """A message's searchable fields (case-folded) and its list-row facts."""

    subject: str
    #: the address headers: "Name <address>" (or "address") lines
    from_: str
    to: str
    cc: str
    bcc: str
    reply_to: str
    message_id: str
    #: the body text (or the HTML's visible text) and attachment file names
    body: str
    snippet: str
    attachments: int
    inline: int
    #: the Date header as a timestamp, or None
    sent: float | None
    #: the From address's look-up key (``mailbox_key``), or ""
    from_address: str


#: The document of a message that is gone.
NO_DOC = SearchDoc("", "", "", "", "", "", "", "", "", 0, 0, None, "")


def _names(values: tuple[Address, ...] | list[Address]) -> str:
    return "\n".join(str(a) for a in values).casefold()


def build_doc(raw: bytes, summary: Summary) -> SearchDoc:
    """The search document of one message; never raises."""
    facts: Facts = facts_of(raw)
    return SearchDoc(
        subject=summary.subject.casefold(),
        from_=_names([summary.from_] if summary.from_ else []),
        to=_names(summary.to),
        cc=_names(summary.cc),
        bcc=_names(summary.bcc),
        reply_to=_names(summary.reply_to),
        message_id=summary.message_id.casefold(),
        body=facts.text,
        snippet=facts.snippet,
        attachments=facts.attachments,
        inline=facts.inline,
        sent=summary.date.timestamp() if summary.date is not None else None,
        from_address=mailbox_key(summary.from_.address) if summary.from_ else "",
    )


def doc_size(doc: SearchDoc) -> int:
    """About how many bytes a document holds (for the figures the benchmarks print)."""
    return 200 + sum(len(field) for field in doc[:9])


# -- the pre-test for messages not indexed yet ------------------------------------------------

#: Needles with these may match a document's normalised text but not the raw bytes (folded
#: white space, "name <address>" formatting, quotes dropped from display names).
_UNSAFE_NEEDLE = re.compile(r"[\s<>\"\\,;:()]")
#: Headers that make the document differ from the raw bytes beyond case: encoded words,
#: transfer encodings, and any content type but plain text.
_NOT_PLAIN = re.compile(
    rb"=\?|^content-transfer-encoding:[ \t]*(?:quoted-printable|base64)"
    rb"|^content-type:(?![ \t]*text/plain\b)",
    re.MULTILINE,
)


def is_plain(raw: bytes) -> bool:
    """True when every document field of the message appears in its lower-cased bytes."""
    return raw.isascii() and _NOT_PLAIN.search(raw.lower()) is None


def safe_needle(needle: str) -> bytes | None:
    """The needle as bytes when :func:`may_contain` can decide on it, else None."""
    if not needle.isascii() or _UNSAFE_NEEDLE.search(needle):
        return None
    return needle.encode("ascii")


def may_contain(needle: bytes, raw: bytes) -> bool:
    """False only when no field of a plain message's document can contain ``needle``.

    ``raw`` must be plain (:func:`is_plain`). (The envelope is not in the document: terms on
    it are decided on the record.)
    """
    return needle in raw.lower()
