"""Salutations: the greeting line for a person, by variant, gender and academic title.

Gender comes only from the person's record ("f", "m", "x", ""); it is never guessed from the
first name. Unknown or diverse gets a neutral greeting with the full name.
"""

from __future__ import annotations

import re
from typing import Protocol

VARIANTS = ("de_sie", "de_du", "en")


class Addressee(Protocol):
    first_name: str
    last_name: str
    gender: str
    academic_title: str


_PROF = re.compile(r"\bprof\b\.?", re.IGNORECASE)
_DR = re.compile(r"\bdr\b\.?", re.IGNORECASE)


def salutation_titles(academic_title: str) -> tuple[bool, bool]:
    """(is professor, is doctor) from a free-text title like "Prof. Dr.-Ing." or "Dr. med."."""
    return bool(_PROF.search(academic_title or "")), bool(_DR.search(academic_title or ""))


def _german_title(academic_title: str) -> str:
    # In a German salutation only "Prof." and "Dr." are used; "Dipl.-Ing." or "Dr. med." shrink.
    prof, dr = salutation_titles(academic_title)
    return " ".join(t for t, has in (("Prof.", prof), ("Dr.", dr)) if has)


def _english_title(academic_title: str) -> str:
    prof, dr = salutation_titles(academic_title)
    return "Professor" if prof else "Dr" if dr else ""


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def salutation(person: Addressee, variant: str) -> str:
    """The greeting without punctuation, e.g. "Sehr geehrte Frau Dr. Weber" or "Hi Julia"."""
    first, last = person.first_name.strip(), person.last_name.strip()
    gender = person.gender if person.gender in ("f", "m") else ""
    if variant == "de_du":
        return _german_informal(first, last, gender)
    if variant == "en":
        return _english(person, first, last, gender)
    return _german_formal(person, first, last, gender)


def _german_formal(person: Addressee, first: str, last: str, gender: str) -> str:
    title = _german_title(person.academic_title)
    if gender == "f" and last:
        return _join("Sehr geehrte Frau", title, last)
    if gender == "m" and last:
        return _join("Sehr geehrter Herr", title, last)
    return _join("Guten Tag", title, first, last)


def _german_informal(first: str, last: str, gender: str) -> str:
    name = first or last
    if gender == "f" and name:
        return _join("Liebe", name)
    if gender == "m" and name:
        return _join("Lieber", name)
    return _join("Hallo", name)


def _english(person: Addressee, first: str, last: str, gender: str) -> str:
    informal = getattr(person, "form_of_address", "sie") == "du"
    if informal:
        return _join("Hi", first or last)
    return _english_formal(person, first, last, gender)


def _english_formal(person: Addressee, first: str, last: str, gender: str) -> str:
    title = _english_title(person.academic_title)
    if title and last:
        return _join("Dear", title, last)
    if gender == "f" and last:
        return _join("Dear Ms", last)
    if gender == "m" and last:
        return _join("Dear Mr", last)
    return _join("Dear", first, last) if (first or last) else "Hello"
