"""Keys for cached template fragments: a digest of everything the fragment shows.

A fragment cached under such a key cannot go stale: any change to what it shows (a
touchpoint edited, a participant renamed, an email added) is a change of the key, so the
next request renders afresh, whichever code path made the change. The reader's language,
time zone and rights are part of every key: dates, translations and links differ by them.
Nothing per request (CSRF tokens, one-time form tokens) may sit inside such a fragment.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import timezone, translation

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.touchpoints.models import Touchpoint


def fragment_key(request: WorkspaceRequest, *shown: Any) -> str:
    """A digest of the reader's context and the values the fragment shows."""
    membership = getattr(request, "membership", None)
    reader = (
        translation.get_language(),
        timezone.get_current_timezone_name(),
        bool(membership and membership.can_write),
        request.path,
    )
    return hashlib.sha256(repr((reader, shown)).encode()).hexdigest()


def timeline_key(
    request: WorkspaceRequest, person: Person, timeline: list[Touchpoint], more: int | None
) -> str:
    """The timeline: every shown touchpoint's fields and its participants' names."""
    rows = [
        (
            t.pk,
            t.occurred_at,
            t.channel,
            t.give_take,
            t.summary,
            t.notes,
            [(o.pk, o.first_name, o.last_name) for o in t.participants.all()],
        )
        for t in timeline
    ]
    return fragment_key(request, "timeline", person.pk, more, rows)


def profile_key(request: WorkspaceRequest, person: Person) -> str:
    """The profile column: the person's loaded fields and what hangs off them."""
    fields = [
        getattr(person, f.attname)
        for f in Person._meta.concrete_fields
        if f.attname in person.__dict__
    ]
    org = person.organisation
    introducer = person.introduced_by
    related = (
        (org.pk, org.name) if org else None,
        (introducer.pk, introducer.full_name) if introducer else None,
        [e.email for e in person.emails.all()],
        [p.number for p in person.phones.all()],
        [(t.pk, t.name) for t in person.tags.all()],
    )
    return fragment_key(request, "profile", fields, related)
