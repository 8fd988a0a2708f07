"""Template tags: a person's open follow-ups for the person page."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups.selectors import AgendaItem, person_followups

register = template.Library()


@register.simple_tag(takes_context=True)
def open_followups(context: Any, person: Any) -> list[AgendaItem]:
    """The person's active follow-ups with reasons in the reader's language."""
    request = context.get("request")
    user = getattr(request, "user", None)
    language = getattr(user, "language", None) or translation.get_language() or "en"
    return person_followups(person=person, today=local_today(user), language=language)
