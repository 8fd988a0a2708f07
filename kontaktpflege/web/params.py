"""Reading request parameters: numbers, dates, the people filters and safe redirects."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from kontaktpflege.contacts import selectors
from kontaktpflege.contacts.models import Circle

MAX_ID = 2**62  # beyond any database id; larger numbers are treated as absent


def int_param(value: str | None) -> int | None:
    """A positive id-sized integer, or None for anything else."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number and 0 < number < MAX_ID else None


def date_param(value: str | None) -> dt.date | None:
    """An ISO date (YYYY-MM-DD), or None."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def person_filters(request: HttpRequest) -> selectors.PersonFilters:
    """The people list's filters from the query string (also used by exports)."""
    g = request.GET
    return selectors.PersonFilters(
        q=g.get("q", "")[:200],
        circle=g.get("circle", "") if g.get("circle") in Circle.values else "",
        tag=int_param(g.get("tag")),
        organisation=int_param(g.get("organisation")),
        target_only=g.get("target") == "1",
        touched_after=date_param(g.get("touched_after")),
        touched_before=date_param(g.get("touched_before")),
        never_touched=g.get("never") == "1",
        sort=g.get("sort", "name") if g.get("sort") in selectors.PERSON_SORTS else "name",
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it points to this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback
