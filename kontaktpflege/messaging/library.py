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


# Filled only for a message about a pair (about "pair:<id of the other person>", connect
# others); elsewhere they render empty and the preview says so.
PAIR_VARIABLES = frozenset({"pair_name", "pair_first_name", "pair_about", "pair_common"})
# Variables whose data arrives with later issues: they render empty and the preview says so.
UNAVAILABLE_VARIABLES = frozenset({"talent_pool_link", "consent_link"}) | PAIR_VARIABLES

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
        "intro_target_name",
        _("Asking for an introduction: the person you want to meet"),
        "Dr. Julia Weber",
    ),
    VariableDoc(
        "intro_target_organisation",
        _("Asking for an introduction: the company you want to get into"),
        "Siemens AG",
    ),
    VariableDoc(
        "intro_target_job_title",
        _("Asking for an introduction: the job title of the person you want to meet"),
        "CTO",
    ),
    VariableDoc(
        "intro_bridge_name",
        _("Asking for an introduction: whom the recipient knows the person through, if anyone"),
        "Carl Corn",
    ),
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
    VariableDoc(
        "conversation_goal",
        _("The goal of a network conversation (messages about a conversation)"),
        "Einstieg ins Produktmanagement",
    ),
    VariableDoc(
        "conversation_new_contacts",
        _("The contacts named in a network conversation (“Frau Weber und Herrn Schmidt”)"),
        "Frau Weber und Herrn Schmidt",
    ),
    VariableDoc(
        "activation_offer",
        _("The help you offer first when reviving a contact (messages about an activation)"),
        "ein Kontakt zu einer Agentur für Barrierefreiheit",
    ),
    VariableDoc(
        "pair_name", _("The other person of an introduction (connect others)"), "Anna Berg"
    ),
    VariableDoc("pair_first_name", _("Their first name (connect others)"), "Anna"),
    VariableDoc(
        "pair_about", _("Their job title and organisation (connect others)"), "CTO, Beta AG"
    ),
    VariableDoc(
        "pair_common", _("What the two have in common (connect others)"), "Design Thinking"
    ),
)
KNOWN_VARIABLES = frozenset(v.name for v in VARIABLES)
# Variables filled by what a message is about (compose.register_about_provider): empty in any
# other message, so templates test them with {% if %}.
ABOUT_VARIABLES = frozenset(
    {
        "interview_date",
        "application_position",
        "conversation_goal",
        "conversation_new_contacts",
        "activation_offer",
    }
)
