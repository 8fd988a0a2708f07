"""Parse a one-line quick log ("Kaffee mit Thomas – Design Thinking") into its parts.

Pure functions: the caller resolves names to people.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kontaktpflege.core.text import fold

# Keywords (folded) that reveal the channel; the first match wins.
CHANNEL_WORDS: list[tuple[str, tuple[str, ...]]] = [
    ("group_meeting", ("stammtisch", "gruppentreffen", "group meeting", "meetup")),
    ("event", ("konferenz", "messe", "event", "veranstaltung", "conference", "vortrag")),
    ("call", ("anruf", "telefonat", "telefoniert", "call", "phone", "angerufen", "video")),
    ("email", ("e-mail", "email", "mail")),
    ("linkedin", ("linkedin",)),
    ("xing", ("xing",)),
    ("whatsapp", ("whatsapp", "signal", "sms")),
    ("letter", ("brief", "karte", "letter", "card")),
    (
        "meeting",
        (
            "kaffee",
            "coffee",
            "lunch",
            "mittagessen",
            "essen",
            "dinner",
            "treffen",
            "meeting",
            "getroffen",
            "besuch",
            "spaziergang",
            "bier",
            "drinks",
        ),
    ),
]
_WITH = re.compile(r"\b(?:mit|with|und|and|&)\b|,", re.IGNORECASE)
_TOPIC_SPLIT = re.compile(r"\s+[–—-]\s+|:\s+|\b(?:über|about|wegen|re)\b\s+", re.IGNORECASE)


@dataclass(frozen=True)
class QuickLog:
    """What a quick-log line says: channel, names mentioned, summary and topic."""

    channel: str
    names: list[str]
    summary: str
    topic: str


def guess_channel(text: str) -> str:
    """The channel a line talks about; a meeting when nothing says otherwise."""
    folded = fold(text)
    for channel, words in CHANNEL_WORDS:
        if any(re.search(r"\b" + re.escape(fold(w)) + r"\b", folded) for w in words):
            return channel
    return "meeting"


def parse(text: str) -> QuickLog:
    """Split a quick-log line into channel, candidate names and topic."""
    line = " ".join(text.split())
    head, _, topic = (p.strip() for p in _split_topic(line))
    names: list[str] = []
    match = re.search(r"\b(?:mit|with|an|to|von|from)\b\s+(.+)$", head, re.IGNORECASE)
    if match:
        names = [n.strip() for n in _WITH.split(match.group(1)) if n and n.strip()]
    return QuickLog(channel=guess_channel(line), names=names, summary=line[:300], topic=topic)


def _split_topic(line: str) -> tuple[str, str, str]:
    parts = _TOPIC_SPLIT.split(line, maxsplit=1)
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return line, "", ""
