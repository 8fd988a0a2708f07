"""Template tags: a person's open follow-ups for the person page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from kontaktpflege.followups.selectors import AgendaItem, person_followups
from kontaktpflege.followups.services import workspace_today

register = template.Library()


@register.simple_tag(takes_context=True)
def open_followups(context: Any, person: Any) -> list[AgendaItem]:
    """The person's active follow-ups with reasons in the reader's language."""
    request = context.get("request")
    user = getattr(request, "user", None)
    language = getattr(user, "language", None) or translation.get_language() or "en"
    # Due dates are the workspace's dates: every member sees the same "today".
    today = workspace_today(person.workspace)
    return person_followups(person=person, today=today, language=language)
