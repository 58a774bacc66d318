"""What a failed wait reports: the messages that did arrive, closest to what was asked first.

Loaded only when ``wait_for`` gives up, so a passing test never pays for it.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import difflib

from .message import EMPTY_SUMMARY, Summary
from .store import MessageRecord, MessageStore
from .testing import filter_of


def _closeness(
    store: MessageStore, message: MessageRecord, summary: Summary, filters: dict[str, str]
) -> float:
    """How near a message comes to the filters: one point per filter met, partial credit else."""
    score = 0.0
    for name, value in filters.items():
        if store.matches(filter_of({name: value}), message.id):
            score += 1
            continue
        if name == "to":
            candidates = list(message.rcpt_tos)
        elif name == "sender":
            from_ = summary.from_
            candidates = [message.mail_from, from_.address if from_ else ""]
        elif name == "tag":
            candidates = list(store.tags_of(message.id))
        else:
            candidates = [summary.subject]
        ratios = (
            difflib.SequenceMatcher(None, value.casefold(), c.casefold()).ratio()
            for c in candidates
        )
        score += 0.9 * max(ratios, default=0.0)
    return score


def describe_arrivals(
    store: MessageStore, messages: list[MessageRecord], filters: dict[str, str], limit: int = 10
) -> str:
    """One line per message, closest to ``filters`` first."""
    if not messages:
        return "no messages arrived"
    summaries = {m.id: store.summary(m.id) or EMPTY_SUMMARY for m in messages}
    ranked = sorted(messages, key=lambda m: -_closeness(store, m, summaries[m.id], filters))
    lines = [f"{len(messages)} message(s) arrived, closest first:"]
    for m in ranked[:limit]:
        subject, tags = summaries[m.id].subject, store.tags_of(m.id)
        line = f"  - to={list(m.rcpt_tos)} sender={m.mail_from!r} subject={subject!r}"
        lines.append(f"{line} tags={list(tags)}" if tags else line)
    if len(ranked) > limit:
        lines.append(f"  ... and {len(ranked) - limit} more")
    return "\n".join(lines)
