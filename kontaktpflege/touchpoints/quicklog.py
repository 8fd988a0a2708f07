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
_WITH = re.compile(r"\s+(?:und|and)\s+|\s*[&,]\s*", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(?:herrn?|frau|dr\.?|prof\.?|mr\.?|mrs\.?|ms\.?)\s+", re.IGNORECASE)
_TOPIC_SPLIT = re.compile(r"\s+[–—-]\s+|:\s+|\b(?:über|about|wegen|re)\b\s+", re.IGNORECASE)


@dataclass(frozen=True)
class QuickLog:
    """What a quick-log line says: channel, names mentioned, summary and topic."""

    channel: str
    names: list[str]
    summary: str
    topic: str


def named_channel(text: str) -> str | None:
    """The channel a text names first ("Telefonat …" → call), or None when it names none."""
    folded = fold(text)
    best: tuple[int, str] | None = None
    for channel, words in CHANNEL_WORDS:
        for word in words:
            match = re.search(r"\b" + re.escape(fold(word)) + r"\b", folded)
            if match and (best is None or match.start() < best[0]):
                best = (match.start(), channel)
    return best[1] if best else None


def guess_channel(text: str) -> str:
    """The channel named first in a line; a meeting when nothing says otherwise."""
    return named_channel(text) or "meeting"


def parse(text: str) -> QuickLog:
    """Split a quick-log line into channel, candidate names and topic."""
    line = " ".join(text.split())
    head, _, topic = (p.strip() for p in _split_topic(line))
    names: list[str] = []
    match = re.search(r"\b(?:mit|with|an|to|von|from)\b\s+(.+)$", head, re.IGNORECASE)
    if match:
        names, rest = _names(match.group(1))
        topic = topic or rest
    return QuickLog(channel=guess_channel(line), names=names, summary=line[:300], topic=topic)


def _names(text: str) -> tuple[list[str], str]:
    """Names up to the first fragment that starts in lower case (that is the topic)."""
    names: list[str] = []
    fragments = [f.strip() for f in _WITH.split(text) if f and f.strip()]
    for index, fragment in enumerate(fragments):
        if not fragment[0].isupper():
            return names, ", ".join(fragments[index:])
        names.append(_HONORIFIC.sub("", fragment))
    return names, ""


def _split_topic(line: str) -> tuple[str, str, str]:
    parts = _TOPIC_SPLIT.split(line, maxsplit=1)
    if len(parts) == 2:
        return parts[0], "", parts[1]
    return line, "", ""
