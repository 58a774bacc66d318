"""Per-message facts that need the body: snippet, attachment counts, free-text search text.

A message that is one text part (the common case for mail from tests and scripts) is read
straight from its bytes: the body after the header block, its transfer encoding undone with the
standard library's ``binascii``, decoded as ``email`` would decode it. Anything else (multipart,
attachments, unusual encodings) goes through :func:`mailtrap.mime.parse`. Both give the same
facts; tests/core/test_facts.py compares them. The store's
:class:`~mailtrap.message.Summary` covers everything the header block alone gives.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from html.parser import HTMLParser

from .mime import ParsedMessage, parse, single_text_part
from .record import Record

SNIPPET_LENGTH = 250
_SKIPPED_TAGS = frozenset({"head", "style", "script", "title", "template"})


class Facts(Record):
    """What lists and searches need of a message body."""

    snippet: str
    attachments: int
    inline: int
    #: Lower-cased body text plus attachment file names, for free-text search.
    text: str


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED_TAGS:
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The visible text of an HTML document (tags, styles and scripts dropped); never raises."""
    parser = _TextOfHtml()
    try:
        parser.feed(html)
        parser.close()
    except Exception:
        return ""
    return " ".join(parser.parts)


def snippet_of(text: str) -> str:
    """Up to :data:`SNIPPET_LENGTH` characters of ``text`` with white space collapsed.

    Only as much of ``text`` is looked at as the snippet needs (a long body is not split into
    words whole): a prefix, four times longer each time it collapses to too little.
    """
    end = SNIPPET_LENGTH * 4
    while True:
        # A word cut at ``end`` only shortens the last word: the words before it are the same.
        words = " ".join(text[:end].split())
        if len(words) > SNIPPET_LENGTH or end >= len(text):
            break
        end *= 4
    if len(words) <= SNIPPET_LENGTH:
        return words
    return words[: SNIPPET_LENGTH - 3].rstrip() + "..."


#: The facts of a message that is gone (or has no body).
NO_FACTS = Facts("", 0, 0, "")


def facts_cost(facts: Facts) -> int:
    """About how many bytes the facts hold (the search text dominates)."""
    return 200 + len(facts.snippet) + 2 * len(facts.text)


def facts_of(raw: bytes) -> Facts:
    """The :class:`Facts` of a message; never raises."""
    single = single_text_part(raw)
    if single is None:
        return parsed_facts(parse(raw))
    _head, subtype, content = single
    body = content if subtype == "plain" else html_text(content)
    if subtype == "plain" and body.isspace():
        body = ""
    return Facts(snippet=snippet_of(body), attachments=0, inline=0, text=_search_text(body, ""))


def parsed_facts(parsed: ParsedMessage) -> Facts:
    """The facts of a parsed view."""
    text = parsed.text
    body = text if text and not text.isspace() else html_text(parsed.html)
    names = " ".join(a.filename for a in (*parsed.attachments, *parsed.inline) if a.filename)
    return Facts(
        snippet=snippet_of(body),
        attachments=len(parsed.attachments),
        inline=len(parsed.inline),
        text=_search_text(body, names),
    )


def _search_text(body: str, names: str) -> str:
    """The body text, then the attachment names on a line of their own if there are any,
    case-folded (one copy of a long body, not three)."""
    return f"{body}\n{names}".casefold() if names else body.casefold()
