"""Text helpers: folding for search and matching, invisible-mark stripping."""

from __future__ import annotations

import re
import unicodedata

# Bidi and zero-width formatting marks: invisible formatting, never real text.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,
        0x200C,
        0x200D,
        0x200E,
        0x200F,
        0x202A,
        0x202B,
        0x202C,
        0x202D,
        0x202E,
        0x2066,
        0x2067,
        0x2068,
        0x2069,
        0xFEFF,
        0x00AD,
    ],
)
_GERMAN = str.maketrans({"ß": "ss", "ẞ": "ss", "æ": "ae", "ø": "o", "œ": "oe", "đ": "d", "ł": "l"})
# After umlauts are folded to their base vowel, the transliterations ae/oe/ue must meet them.
_TRANSLIT = re.compile(r"(?<=[a-z])(?:ae|oe|ue)")
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def strip_invisible(value: str) -> str:
    """Remove invisible formatting marks and surrounding whitespace, NFC-normalise."""
    return unicodedata.normalize("NFC", value.translate(_INVISIBLE)).strip()


def has_control_chars(value: str) -> bool:
    """True when the text holds control characters that never belong in a name or note."""
    return bool(_CONTROL.search(value))


def without_control_chars(value: str) -> str:
    """The text with control characters (NUL included: PostgreSQL refuses it) removed."""
    return _CONTROL.sub("", value)


def has_lone_surrogate(value: str) -> bool:
    """True when the text holds a UTF-16 surrogate (JSON "\\ud800"): it cannot be encoded."""
    return bool(_SURROGATE.search(value))


def fold(value: str) -> str:
    """Fold text for search and matching: case, accents, umlauts and their transliterations.

    "Müller", "Mueller" and "muller" all fold to "muller", so each finds the others.
    """
    text = strip_invisible(value).casefold().translate(_GERMAN)
    if not text.isascii():  # ASCII has no accents to take off
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _TRANSLIT.sub(lambda m: m.group(0)[0], text)
    return _SPACE.sub(" ", text).strip()


def search_terms(query: str) -> list[str]:
    """Split a query into folded word terms (letters and digits only)."""
    return [t for t in re.split(r"[^\w@.+-]+", fold(query)) if t][:8]
