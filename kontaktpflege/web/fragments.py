"""Keys for cached template fragments: a digest of everything the fragment shows.

A fragment cached under such a key cannot go stale: any change to what it shows (a
touchpoint edited, a participant renamed, an email added) is a change of the key, so the
next request renders afresh, whichever code path made the change. The reader's language,
time zone and rights are part of every key: dates, translations and links differ by them.
Nothing per request (CSRF tokens, one-time form tokens) may sit inside such a fragment.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
import weakref
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, router
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

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


# The person page's whole body is cached under a digest of every row it shows, read with
# plain SQL (a dozen ORM queries cost the page more CPU than its SQL and its rendering).
# Per-request values are placeholders in the cached HTML, filled in on every response.
CSRF_PLACEHOLDER = "kpcsrfplaceholder0000000000000000000000000000000000000000000000000"
FORM_TOKEN_PLACEHOLDER = "kpformtokenplaceholder00000000000"
PAGE_TIMEOUT = 3600


@dataclass(frozen=True)
class PersonPageStamp:
    """What the cached person page is keyed by, and what the shell around it needs."""

    digest: str
    title: str
    recruiting_on: bool


@functools.cache
def _person_page_sql(alias: str) -> tuple[str, ...]:
    """The statements behind the stamp, written once per process from the models' tables."""
    from kontaktpflege.accounts.models import Membership, User
    from kontaktpflege.contacts.models import (
        EmailAddress,
        Employment,
        Organisation,
        PhoneNumber,
        Relationship,
        Tag,
    )
    from kontaktpflege.followups.models import ACTIVE_STATES, FollowUp
    from kontaktpflege.recruiting.models import CandidateProfile, RecruitingSettings
    from kontaktpflege.touchpoints.models import Participation

    q = connections[alias].ops.quote_name

    def t(model: Any) -> str:
        return q(model._meta.db_table)

    person, tp, part = t(Person), t(Touchpoint), t(Participation)
    person_tags = q(Person._meta.get_field("tags").remote_field.through._meta.db_table)  # type: ignore[attr-defined,union-attr]
    states = ", ".join(f"'{s}'" for s in ACTIVE_STATES)
    page = (
        f"SELECT p2.touchpoint_id FROM {part} p2 WHERE p2.person_id = %(pk)s"
        " ORDER BY p2.occurred_at DESC, p2.touchpoint_id DESC LIMIT %(limit)s OFFSET %(offset)s"
    )

    def name(ref: str) -> str:  # a person's first and last name by id, or two NULLs
        return ", ".join(
            f"(SELECT n.{column} FROM {person} n WHERE n.id = {ref})"
            for column in ("first_name", "last_name")
        )

    # Names hang off the rows as subqueries, not joins: PostgreSQL plans a join of a
    # person's tables in about twice the time of the same rows with subqueries, and the
    # planning is most of what these small reads cost it.
    return (
        # the person (every column) with organisation and introducer names
        f"SELECT p.first_name AS title_first, p.last_name AS title_last, p.*,"
        f" (SELECT o.name FROM {t(Organisation)} o WHERE o.id = p.organisation_id),"
        f" {name('p.introduced_by_id')} FROM {person} p"
        " WHERE p.id = %(pk)s AND p.workspace_id = %(ws)s",
        f"SELECT * FROM {t(EmailAddress)} WHERE person_id = %(pk)s ORDER BY id",
        f"SELECT * FROM {t(PhoneNumber)} WHERE person_id = %(pk)s ORDER BY id",
        f"SELECT pt.tag_id, (SELECT tg.name FROM {t(Tag)} tg WHERE tg.id = pt.tag_id)"
        f" FROM {person_tags} pt WHERE pt.person_id = %(pk)s ORDER BY pt.tag_id",
        # the timeline's page (one more row: whether there is an older page)
        f"SELECT tp.* FROM {tp} tp JOIN {part} pa ON pa.touchpoint_id = tp.id"
        " WHERE pa.person_id = %(pk)s ORDER BY pa.occurred_at DESC, tp.id DESC"
        " LIMIT %(limit)s OFFSET %(offset)s",
        f"SELECT pa.touchpoint_id, pa.person_id, {name('pa.person_id')} FROM {part} pa"
        " WHERE pa.touchpoint_id IN (" + page + ") ORDER BY pa.touchpoint_id, pa.person_id",
        f"SELECT r.*, {name('r.from_person_id')}, {name('r.to_person_id')}"
        f" FROM {t(Relationship)} r"
        " WHERE r.from_person_id = %(pk)s OR r.to_person_id = %(pk)s"
        " ORDER BY r.strength DESC, r.id LIMIT %(connections)s",
        f"SELECT e.*, (SELECT o.name FROM {t(Organisation)} o WHERE o.id = e.organisation_id)"
        f" FROM {t(Employment)} e WHERE e.person_id = %(pk)s ORDER BY e.id",
        f"SELECT * FROM {t(FollowUp)} WHERE person_id = %(pk)s AND state IN ({states})"
        " ORDER BY due_on, id",
        # the due dates' zone (workspace_zone's fallback), recruiting and its badge
        f"SELECT (SELECT u.time_zone FROM {t(User)} u WHERE u.id = m.user_id)"
        f" FROM {t(Membership)} m"
        " WHERE m.workspace_id = %(ws)s AND m.role = 'owner' ORDER BY m.id LIMIT 1",
        f"SELECT id FROM {t(RecruitingSettings)} WHERE workspace_id = %(ws)s AND enabled",
        f"SELECT id FROM {t(CandidateProfile)} WHERE workspace_id = %(ws)s"
        " AND person_id = %(pk)s AND silver_medallist",
    )


@functools.cache
def _person_page_statement(alias: str) -> str:
    """PostgreSQL: the same reads in one statement, each part's rows as text in an array.

    One round trip instead of a dozen, and no value converted to Python (the stamp only
    hashes them): at M the dozen statements cost the page about 5 ms, mostly round trips,
    planning and the conversion of timestamps. The row's text has every column of it, so
    the digest changes with any of them, as with the rows themselves.
    """
    person, *parts = _person_page_sql(alias)
    arrays = ", ".join(f"ARRAY(SELECT x::text FROM ({sql}) x)" for sql in parts)
    return f"SELECT t.title_first, t.title_last, t::text, {arrays} FROM ({person}) t"


# On PostgreSQL the statement is prepared once per connection (settings.
# DATABASE_PREPARED_STATEMENTS): planning its dozen parts took 1.5 ms at M, longer than running
# them (0.9 ms). Its columns are text, so a table that gains a column does not change them.
PREPARED = "kp_person_page"
PREPARED_PARAMS = ("pk", "ws", "limit", "offset", "connections")
_prepared_on: weakref.WeakSet[Any] = weakref.WeakSet()  # the connections that have it


@functools.cache
def _person_page_prepare_sql(alias: str) -> str:
    sql = _person_page_statement(alias)
    for number, name in enumerate(PREPARED_PARAMS, 1):
        sql = sql.replace(f"%({name})s", f"${number}")
    types = ", ".join("bigint" for _ in PREPARED_PARAMS)
    return f"PREPARE {PREPARED} ({types}) AS {sql}"


def _prepare(alias: str) -> None:
    """PREPARE the statement on this connection, once (a new connection prepares it again).

    Run on the driver's connection, as Django's own set-up of a connection is: the requests'
    queries (and the bench's replay of them) show only the EXECUTE.
    """
    connection = connections[alias]
    raw = connection.connection
    if raw in _prepared_on:
        return
    with connection.wrap_database_errors:
        raw.execute(_person_page_prepare_sql(alias))
    _prepared_on.add(raw)


def _person_page_rows(alias: str, params: dict[str, Any]) -> list[Any] | None:
    """Every part's rows (a list per part), the person's row first; None: no such person."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            if settings.DATABASE_PREPARED_STATEMENTS:
                _prepare(alias)
                marks = ", ".join("%s" for _ in PREPARED_PARAMS)
                values = [params[name] for name in PREPARED_PARAMS]
                cursor.execute(f"EXECUTE {PREPARED} ({marks})", values)
            else:
                cursor.execute(_person_page_statement(alias), params)
            found = cursor.fetchone()
            if found is None:
                return None
            return [[found[:3]], *found[3:]]
        rows: list[Any] = []
        for sql in _person_page_sql(alias):
            cursor.execute(sql, params)
            rows.append(cursor.fetchall())
            if len(rows) == 1 and not rows[0]:
                return None
        return rows


def person_page_stamp(
    *, workspace: Any, pk: int, offset: int, timeline: int, connections_limit: int
) -> PersonPageStamp | None:
    """A digest of every row the person page shows; None when the person is not in the
    workspace (a 404). Any change to what the page shows, by whatever code path (ORM, bulk
    update, raw SQL), is a change of the digest: the cached page cannot go stale."""
    alias = router.db_for_read(Person)
    params = {
        "pk": pk,
        "ws": workspace.pk,
        "limit": timeline,
        "offset": offset,
        "connections": connections_limit,
    }
    rows = _person_page_rows(alias, params)
    if rows is None:
        return None
    first_name, last_name = rows[0][0][:2]
    recruiting_on = bool(rows[-2])
    # Due dates and "overdue by" depend on the workspace's today: its zone (settings or the
    # owner's) and the time, in steps of 15 minutes (every zone's offset is a multiple).
    now = int(timezone.now().timestamp()) // 900
    shown = (workspace.pk, (workspace.settings or {}).get("time_zone"), now, rows)
    digest = hashlib.sha256(repr(shown).encode()).hexdigest()
    title = " ".join(n for n in (first_name, last_name) if n) or "—"
    return PersonPageStamp(digest=digest, title=title, recruiting_on=recruiting_on)


def fill_tokens(request: WorkspaceRequest, html: str) -> SafeString:
    """A cached body with this request's CSRF token and a fresh one-time token per form."""
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    while FORM_TOKEN_PLACEHOLDER in html:
        html = html.replace(FORM_TOKEN_PLACEHOLDER, uuid.uuid4().hex, 1)
    return mark_safe(html)  # rendered by the template engine; the tokens are hex
