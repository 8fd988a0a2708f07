"""Template variables for messages about an application ("application:12").

Registered with messaging.compose in ApplicationsConfig.ready, so a draft opened from a
follow-up whose subject is the application (thank-you, status inquiry, feedback request)
names the position, the organisation and the interview date.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.applications.models import Application, Interview
from kontaktpflege.contacts.models import Person
from kontaktpflege.core.timeutils import local_today, user_zone
from kontaktpflege.messaging.selectors import format_date


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
