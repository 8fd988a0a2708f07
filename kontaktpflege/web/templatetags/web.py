"""Small, fast template helpers for list pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import template
from django.utils import timezone
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.simple_tag
def form_token() -> str:
    """A one-time token for a form that creates something (see Touchpoint.idempotency_key)."""
    return uuid.uuid4().hex


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or an empty string."""
    return mapping.get(key, "")


@register.simple_tag(takes_context=True)
def days_ago(context: template.Context, moment: dt.datetime | None) -> str:
    """ "today", "yesterday" or "N days ago" — cheaper than timesince on long lists."""
    if moment is None:
        return "—"
    today = context.get("local_today")
    if today is None:
        today = context["local_today"] = timezone.localdate()
    days = (today - timezone.localdate(moment)).days  # calendar days in the reader's zone
    if days <= 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
