"""Template helpers of the messaging area."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse

from kontaktpflege.messaging.library import TEMPLATE_FOR_RULE

register = template.Library()


@register.simple_tag
def compose_url(followup: Any) -> str:
    """The compose page for a follow-up, with the template that answers its rule."""
    params = {"followup": followup.pk}
    key = TEMPLATE_FOR_RULE.get(followup.rule)
    if key:
        params["template"] = key
    return f"{reverse('compose', args=[followup.person_id])}?{urlencode(params)}"
