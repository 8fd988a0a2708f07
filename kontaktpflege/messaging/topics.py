"""What a draft picks up from the log: the topic and next step of the last touchpoint.

Pure functions over text. A touchpoint's notes are private; only lines the user marked
("Nächster Schritt: …", "Next step: …", "Thema: …") and the topic of its line go into a draft.
"""

from __future__ import annotations

import re

from kontaktpflege.core.text import fold
from kontaktpflege.touchpoints.quicklog import parse

MAX_TOPIC = 120
_NEXT_STEP = re.compile(
    r"^\s*(?:n[aä]chster schritt|als n[aä]chstes|next step|next|todo|to do|vorschlag|"
    r"proposal|verabredet|agreed)\s*[:–—-]\s*(?P<step>.+?)\s*$",
    re.IGNORECASE | re.MULTILINE,
)
_TOPIC = re.compile(
    r"^\s*(?:thema|topic|about)\s*[:–—-]\s*(?P<topic>.+?)\s*$", re.IGNORECASE | re.MULTILINE
)
# Folded words that make a sentence a proposal to meet or talk again.
_PROPOSAL_WORDS = (
    "kaffee",
    "coffee",
    "lunch",
    "mittagessen",
    "treffen",
    "meet",
    "call",
    "telefon",
    "anrufen",
    "termin",
    "vorschlag",
    "propose",
    "suggest",
    "lass uns",
    "lasst uns",
    "let's",
    "let us",
    "how about",
    "wie ware es",
    "hatten sie zeit",
    "hattest du zeit",
)


def next_step(notes: str) -> str:
    """The next step the notes record ("Nächster Schritt: Workshop im Januar"), or ""."""
    match = _NEXT_STEP.search(notes or "")
    return match.group("step").rstrip(".")[:MAX_TOPIC] if match else ""


def last_topic(summary: str, notes: str) -> str:
    """What the last touchpoint was about: the topic of its line or a "Thema:" line.

    "Kaffee mit Thomas – Design Thinking" → "Design Thinking". Never the whole summary
    ("Kaffee mit Thomas" in a letter to Thomas reads like a log entry) and never free
    notes, which are private.
    """
    topic = parse(summary or "").topic
    if not topic:
        match = _TOPIC.search(notes or "")
        topic = match.group("topic") if match else ""
    return topic.strip().rstrip(".")[:MAX_TOPIC]


def proposes(notes: str) -> bool:
    """True when the user's own notes already propose meeting or talking again."""
    folded = fold(notes or "")
    return any(re.search(r"\b" + re.escape(word), folded) for word in _PROPOSAL_WORDS)
