"""Reading request parameters: numbers, dates, the people filters and safe redirects."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponseBadRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from kontaktpflege.contacts import selectors
from kontaktpflege.contacts.models import Circle
from kontaktpflege.contacts.validation import date_range_message
from kontaktpflege.core.timeutils import in_date_range

MAX_ID = 2**62  # beyond any database id; larger numbers are treated as absent


def int_param(value: str | None) -> int | None:
    """A positive id-sized integer, or None for anything else."""
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return number if number and 0 < number < MAX_ID else None


class ParamError(BadRequest):
    """A query parameter the page cannot use; the message says which and why."""

    def response(self) -> HttpResponseBadRequest:
        """A plain 400 with the message."""
        return HttpResponseBadRequest(str(self), content_type="text/plain; charset=utf-8")


def date_param(value: str | None, *, name: str) -> dt.date | None:
    """An ISO date (YYYY-MM-DD) from 1900 to 2200, None when empty; ParamError otherwise."""
    if not value:
        return None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not in_date_range(day):
        raise ParamError(
            _("%(name)s: “%(value)s” is not usable. %(rule)s")
            % {"name": name, "value": value[:40], "rule": date_range_message()}
        )
    return day


def person_filters(request: HttpRequest) -> selectors.PersonFilters:
    """The people list's filters from the query string (also used by exports).

    A date outside 1900–2200 (or no date at all) raises ParamError.
    """
    g = request.GET
    return selectors.PersonFilters(
        q=g.get("q", "")[:200],
        circle=g.get("circle", "") if g.get("circle") in Circle.values else "",
        tag=int_param(g.get("tag")),
        organisation=int_param(g.get("organisation")),
        target_only=g.get("target") == "1",
        touched_after=date_param(g.get("touched_after"), name="touched_after"),
        touched_before=date_param(g.get("touched_before"), name="touched_before"),
        never_touched=g.get("never") == "1",
        sort=g.get("sort", "") if g.get("sort") in selectors.PERSON_SORTS else "relevance",
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` parameter when it points to this site, else the fallback."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback
