"""Template variables for messages about an application, a conversation or an activation.

Registered with messaging's compose (`about=application:<id>`, `conversation:<id>`,
`activation:<id>`): a draft opened from a follow-up whose subject is the application names the
position, the organisation and the interview date; a conversation's thank-you names its goal
and the contacts named. A ref of another workspace adds nothing, so no text of another
workspace can leak into a draft.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.applications.models import Activation, Application, Conversation, Interview
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.timeutils import local_today, user_zone
from kontaktpflege.messaging.compose import register_about_provider
from kontaktpflege.messaging.salutation import salutation_titles
from kontaktpflege.messaging.selectors import format_date


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


def interview_for(application: Application, person: Person) -> Interview | None:
    """The interview a message to this person is about: the latest one held with them, else
    the latest one held, else the next one."""
    now = timezone.now()
    interviews = list(application.interviews.prefetch_related("participants"))
    held = [iv for iv in interviews if iv.at <= now]
    with_them = [iv for iv in held if any(p.pk == person.pk for p in iv.participants.all())]
    for group in (with_them, held, interviews):
        if group:
            return max(group, key=lambda iv: (iv.at, iv.pk))
    return None


def application_about(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """interview_date, application_position and the organisation applied to ({} for a ref
    that is not an application of this workspace)."""
    application = (
        Application.objects.filter(workspace=workspace, pk=ref)
        .select_related("organisation")
        .first()
    )
    if application is None:
        return {}
    interview = interview_for(application, person)
    day = interview.at.astimezone(user_zone(user)).date() if interview else None
    return {
        "application_position": application.position,
        "organisation": application.organisation.name,
        "interview_date": format_date(day, variant, today=local_today(user)),
    }


def register() -> None:
    """Let compose fill these variables."""
    register_about_provider("conversation", conversation_variables)
    register_about_provider("activation", activation_variables)
    register_about_provider("application", application_about)
