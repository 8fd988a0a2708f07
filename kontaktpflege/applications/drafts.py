"""Template variables for messages about a conversation or an activation.

Registered with messaging's compose (`about=conversation:<id>`, `about=activation:<id>`); a
ref of another workspace adds nothing, so no text of another workspace can leak into a draft.
"""

from __future__ import annotations

from typing import Any

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.applications.models import Activation, Conversation
from kontaktpflege.contacts.models import Person
from kontaktpflege.messaging.compose import register_about_provider
from kontaktpflege.messaging.salutation import salutation_titles


def _titled(person: Person) -> str:
    prof, dr = salutation_titles(person.academic_title)
    return " ".join(t for t, has in (("Prof.", prof), ("Dr.", dr)) if has)


def named_in_letter(person: Person, variant: str) -> str:
    """How a third person is named in a letter, after "mit" in German (dative).

    Formally "Frau Dr. Weber" / "Herrn Schmidt" (gender only as recorded, never guessed),
    otherwise the full name.
    """
    last = person.last_name.strip()
    if variant == "de_sie" and last and person.gender in ("f", "m"):
        word = "Frau" if person.gender == "f" else "Herrn"
        return " ".join(p for p in (word, _titled(person), last) if p)
    return person.full_name


def join_names(names: list[str], variant: str) -> str:
    """ "A", "A und B", "A, B und C" (English: "and")."""
    if len(names) <= 1:
        return "".join(names)
    word = " and " if variant == "en" else " und "
    return ", ".join(names[:-1]) + word + names[-1]


def conversation_variables(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """The goal of the conversation and the contacts my partner named, for the thank-you."""
    conversation = Conversation.objects.filter(workspace=workspace, pk=ref).first()
    if conversation is None or conversation.person_id != person.pk:
        return {}
    named = [named_in_letter(p, variant) for p in conversation.new_contacts.order_by("id")]
    return {
        "conversation_goal": conversation.goal,
        "conversation_new_contacts": join_names(named, variant),
    }


def activation_variables(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """The help I offer first (seed 004), for the activation opener."""
    activation = Activation.objects.filter(workspace=workspace, pk=ref).first()
    if activation is None or activation.person_id != person.pk:
        return {}
    return {"activation_offer": activation.offer.strip()}


def register() -> None:
    """Let compose fill these variables."""
    register_about_provider("conversation", conversation_variables)
    register_about_provider("activation", activation_variables)
