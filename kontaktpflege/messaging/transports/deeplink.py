"""Deep links for channels we cannot send through: the drafted text goes along where it can."""

from __future__ import annotations

from urllib.parse import quote

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.validation import split_extension

# wa.me refuses very long prefilled texts; beyond this the user pastes the copied text.
MAX_WHATSAPP_TEXT = 2000


def _primary_phone(person: Person) -> str:
    phones = list(person.phones.all())
    return phones[0].number if phones else ""


def deeplink(channel: str, person: Person, *, subject: str = "", body: str = "") -> str:
    """The link that opens the conversation with `person` on `channel`, or "" when unknown."""
    # Numbers without a country code are stored as written (issue #10): wa.me needs one.
    number, ext = split_extension(_primary_phone(person))
    if channel == "whatsapp":
        digits = "".join(ch for ch in number if ch.isdigit())
        if not (digits and number.startswith("+")):
            return ""
        text = body if len(body) <= MAX_WHATSAPP_TEXT else ""
        return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")
    if channel == "call":
        dial = "".join(ch for ch in number if ch.isdigit() or ch == "+")
        return f"tel:{dial}" + (f";ext={ext}" if ext else "") if dial else ""
    if channel == "linkedin":
        return person.linkedin_url
    if channel == "xing":
        return person.xing_url
    if channel == "email":
        emails = list(person.emails.all())
        if not emails:
            return ""
        query = f"?subject={quote(subject)}&body={quote(body[:1500])}"
        return f"mailto:{quote(emails[0].email, safe='@')}{query}"
    return ""
