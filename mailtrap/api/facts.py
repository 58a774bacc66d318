"""Per-message facts that need the body: snippet, attachment counts, free-text search text.

Derived from :func:`mailtrap.mime.parse` once per message and kept in the store's cache; the
store's :class:`~mailtrap.message.Summary` covers everything the header block alone gives.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import NamedTuple

from ..mime import parse

SNIPPET_LENGTH = 250
_SKIPPED_TAGS = frozenset({"head", "style", "script", "title", "template"})


class Facts(NamedTuple):
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
    """Up to :data:`SNIPPET_LENGTH` characters of ``text`` with white space collapsed."""
    words = " ".join(text.split())
    if len(words) <= SNIPPET_LENGTH:
        return words
    return words[: SNIPPET_LENGTH - 3].rstrip() + "..."


#: The facts of a message that is gone (or has no body).
NO_FACTS = Facts("", 0, 0, "")


def facts_cost(facts: Facts) -> int:
    """About how many bytes the facts hold (the search text dominates)."""
    return 200 + len(facts.snippet) + 2 * len(facts.text)


def facts_of(raw: bytes) -> Facts:
    """Parse ``raw`` once and derive its :class:`Facts`."""
    parsed = parse(raw)
    body = parsed.text if parsed.text.strip() else html_text(parsed.html)
    names = " ".join(a.filename for a in (*parsed.attachments, *parsed.inline) if a.filename)
    return Facts(
        snippet=snippet_of(body),
        attachments=len(parsed.attachments),
        inline=len(parsed.inline),
        text=f"{body}\n{names}".casefold(),
    )
