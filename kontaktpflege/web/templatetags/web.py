"""Small, fast template helpers for list pages."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from kontaktpflege.core.timeutils import safe_localtime
from kontaktpflege.web import shell

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: template.Context) -> str:
    """A one-time token for a form that creates something (see Touchpoint.idempotency_key).

    Inside a cached body (the person page) a placeholder, replaced by a fresh token on
    every response (web/fragments.fill_tokens).
    """
    placeholder: str | None = context.get("form_token_placeholder")
    return placeholder or uuid.uuid4().hex


@register.simple_tag(takes_context=True)
def app_nav(context: template.Context) -> str:
    """The page shell's navigation bar (web/shell.py)."""
    return shell.render_nav(context)


@register.filter
def lookup(mapping: dict[Any, Any], key: Any) -> Any:
    """mapping[key], or an empty string."""
    return mapping.get(key, "")


@register.filter
def when(value: dt.datetime | None, arg: str = "SHORT_DATETIME_FORMAT") -> str:
    """`|date` in the reader's zone for stored instants; one near year 1 or 9999 shows in UTC.

    Django's `|date` converts first and fails with OverflowError on such rows.
    """
    if value is None or value == "":
        return ""
    return date_format(safe_localtime(value), arg)


@register.simple_tag(takes_context=True)
def days_ago(context: template.Context, moment: dt.datetime | None) -> str:
    """ "today", "yesterday" or "N days ago" — cheaper than timesince on long lists."""
    if moment is None:
        return "—"
    today = context.get("local_today")
    if today is None:
        today = context["local_today"] = timezone.localdate()
    days = (today - safe_localtime(moment).date()).days  # calendar days in the reader's zone
    if days <= 0:
        return gettext("today")
    if days == 1:
        return gettext("yesterday")
    return ngettext("%(n)d day ago", "%(n)d days ago", days) % {"n": days}
