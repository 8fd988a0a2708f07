"""The template library shipped with the product (library/*.toml) and its variables.

Each file holds one template in three variants — German formal (Sie), German informal (Du)
and English — each with subject and body. Workspaces override or extend it with
MessageTemplate rows.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LIBRARY_DIR = Path(__file__).resolve().parent / "library"
VARIANTS = ("de_sie", "de_du", "en")

# Follow-up rule kinds (followups app) → the template that answers them.
TEMPLATE_FOR_RULE: dict[str, str] = {
    "new_contact": "follow_up_72h",
    "interview_thanks": "interview_thank_you",
    "status_inquiry": "status_inquiry",
    "feedback_request": "feedback_request",
    "conversation_thanks": "conversation_thanks",
    "keep_in_touch": "check_in",
    "birthday": "congrats_birthday",
    "promotion": "congrats_promotion",
    "job_change": "congrats_new_job",
    "work_anniversary": "congrats_anniversary",
    "media_appearance": "check_in",
    "reactivation": "reactivation",
    "reciprocity": "share_article",
    "silver_medallist_nurture": "nurture_update",
    "nurture": "nurture_update",
    "consent_renewal": "consent_renewal",
}


@dataclass(frozen=True)
class Variant:
    """Subject and body of one language/formality variant."""

    subject: str
    body: str


@dataclass(frozen=True)
class ShippedTemplate:
    """A template of the shipped library."""

    key: str
    name_en: str
    name_de: str
    audience: str
    position: int
    variants: dict[str, Variant]

    @property
    def name(self) -> str:
        return self.name_de if (get_language() or "").startswith("de") else self.name_en


def _load(path: Path) -> ShippedTemplate:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    variants = {
        v: Variant(subject=data[v]["subject"].strip(), body=data[v]["body"].strip("\n") + "\n")
        for v in VARIANTS
    }
    return ShippedTemplate(
        key=path.stem,
        name_en=data["name_en"],
        name_de=data["name_de"],
        audience=data.get("audience", "career"),
        position=int(data.get("position", 999)),
        variants=variants,
    )


@lru_cache(maxsize=1)
def shipped_templates() -> dict[str, ShippedTemplate]:
    """Every shipped template by key, in display order."""
    items = sorted((_load(p) for p in LIBRARY_DIR.glob("*.toml")), key=lambda t: t.position)
    return {t.key: t for t in items}


@dataclass(frozen=True)
class VariableDoc:
    """One template variable as the help panel documents it."""

    name: str
    description: str | Promise
    example: str
    available: bool = True


# Variables whose data arrives with later issues: they render empty and the preview says so.
UNAVAILABLE_VARIABLES = frozenset({"talent_pool_link", "consent_link"})
# Variables filled by what the message is about (compose's `about`, e.g. an application);
# empty in a message about nothing in particular.
ABOUT_VARIABLES = ("interview_date", "application_position")

VARIABLES: tuple[VariableDoc, ...] = (
    VariableDoc(
        "salutation",
        _("Greeting by language, form of address and gender"),
        "Sehr geehrte Frau Dr. Weber",
    ),
    VariableDoc("first_name", _("First name"), "Julia"),
    VariableDoc("last_name", _("Last name"), "Weber"),
    VariableDoc("full_name", _("First and last name"), "Julia Weber"),
    VariableDoc("academic_title", _("Academic title"), "Dr."),
    VariableDoc(
        "organisation",
        _("Current organisation; in a message about an application, the one applied to"),
        "Acme GmbH",
    ),
    VariableDoc("job_title", _("Current job title"), "Head of Design"),
    VariableDoc("location", _("Location"), "Köln"),
    VariableDoc("how_we_met", _("How you met"), "Barcamp Köln"),
    VariableDoc("last_touchpoint_date", _("Date of the last touchpoint"), "03.03.2025"),
    VariableDoc("last_touchpoint_topic", _("Topic of the last touchpoint"), "Design Thinking"),
    VariableDoc(
        "next_step",
        _("The next step recorded in the last touchpoint's notes (“Next step: …”)"),
        "Workshop-Termin im Januar",
    ),
    VariableDoc("notes", _("Your personal notes for this message"), "…"),
    VariableDoc(
        "notes_propose",
        _("Set when your notes already propose meeting or talking again"),
        "",
    ),
    VariableDoc("sender_name", _("Your name (sender settings)"), "Alice Adler"),
    VariableDoc("sender_first_name", _("Your first name"), "Alice"),
    VariableDoc("sender_company", _("Your company (sender settings)"), "Beispiel AG"),
    VariableDoc("signature", _("Your signature (sender settings)"), "Alice Adler"),
    VariableDoc(
        "interview_date",
        _("Date of the interview, in a message about an application (the latest one held)"),
        "03.03.2025",
    ),
    VariableDoc(
        "application_position",
        _("Position applied for, in a message about an application"),
        "Product Designer",
    ),
    VariableDoc("talent_pool_link", _("Talent pool sign-up link (comes with privacy)"), "", False),
    VariableDoc("consent_link", _("Consent renewal link (comes with privacy)"), "", False),
)
KNOWN_VARIABLES = frozenset(v.name for v in VARIABLES)
