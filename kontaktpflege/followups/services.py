"""Writes about follow-ups: recompute from facts, complete, snooze, skip, occasions, rules."""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Membership, User, Workspace
from kontaktpflege.contacts.models import Channel, Employment, Origin, Person
from kontaktpflege.contacts.selectors import reachable_channels
from kontaktpflege.contacts.validation import clean_text
from kontaktpflege.core import bulksql, parallel
from kontaktpflege.core.memory import collector_paused
from kontaktpflege.core.timeutils import is_valid_zone
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import (
    ACTIVE_STATES,
    FollowUp,
    Occasion,
    OccasionKind,
    RecomputeRun,
    State,
)
from kontaktpflege.followups.reasons import rule_label
from kontaktpflege.touchpoints.models import Participation, Touchpoint
from kontaktpflege.touchpoints.quicklog import named_channel

CHUNK = 2000
# People per transaction of a full recompute (its reads go by id range, not by id list).
RECOMPUTE_CHUNK = 5000
# From this many people a recompute on PostgreSQL runs in several processes. At M (30,000
# people, 6 chunks) two processes on two busy cores took the recompute into an empty table
# from 15.0 to 10.8 s and the full one from 7.3 to 6.5 s (medians of 3, alternated): the
# engine of one chunk runs while the server writes another's rows and checks their foreign
# keys. From four chunks on, each process has two or more; below, unmeasured.
PARALLEL_FROM = 4 * RECOMPUTE_CHUNK
logger = logging.getLogger(__name__)
MAX_SNOOZE_DAYS = 3650

# The career workflows plug their facts in here: fn(workspace_id, person_ids, zone) → facts.
FactProvider = Callable[[int, list[int], ZoneInfo], Iterable[engine.SubjectFacts]]
FACT_PROVIDERS: list[FactProvider] = []


def register_fact_provider(provider: FactProvider) -> FactProvider:
    """Register a source of application/conversation facts (used as a decorator)."""
    if provider not in FACT_PROVIDERS:
        FACT_PROVIDERS.append(provider)
    return provider


# Higher layers name people who get no follow-ups at all: fn(workspace_id, person_ids) → ids
# (privacy: the anonymised, whose circle and dates are gone and who must not come back).
PersonExcluder = Callable[[int, list[int]], set[int]]
PERSON_EXCLUDERS: list[PersonExcluder] = []


def register_person_excluder(excluder: PersonExcluder) -> PersonExcluder:
    """Register a source of people without follow-ups (used as a decorator)."""
    if excluder not in PERSON_EXCLUDERS:
        PERSON_EXCLUDERS.append(excluder)
    return excluder


def _without_excluded(workspace: Workspace, people: list[PersonRow]) -> list[PersonRow]:
    if not people or not PERSON_EXCLUDERS:
        return people
    ids = [p.pk for p in people]
    excluded: set[int] = set()
    for excluder in PERSON_EXCLUDERS:
        excluded |= excluder(workspace.pk, ids)
    return [p for p in people if p.pk not in excluded] if excluded else people


def workspace_zone(workspace: Workspace) -> ZoneInfo:
    """The zone due dates are computed in: the workspace's, else its owner's."""
    from django.conf import settings

    name = (workspace.settings or {}).get("time_zone", "")
    if not is_valid_zone(name):
        owner = (
            Membership.objects.filter(workspace=workspace, role="owner")
            .order_by("id")
            .values_list("user__time_zone", flat=True)
            .first()
        )
        name = owner if owner and is_valid_zone(owner) else settings.DEFAULT_USER_TIME_ZONE
    return ZoneInfo(name)


def workspace_rules(workspace: Workspace) -> tuple[dict[str, engine.Rule], dict[str, int]]:
    """The workspace's rules and circle intervals (defaults with its overrides)."""
    data = workspace.settings or {}
    return (
        engine.rules_for(data.get("followup_rules")),
        engine.circle_days_for(data.get("circle_days")),
    )


# --- facts -------------------------------------------------------------------------------


_among = bulksql.among


# The order of `_touch_stats`' values, and a person without touchpoints.
TOUCH_STATS = (
    "first",
    "first_meeting",
    "last",
    "n",
    "gives",
    "takes",
    "last_take_id",
    "last_take_at",
)
_NO_STATS = (None, None, None, 0, 0, 0, None, None)


def _touch_stats(ids: list[int]) -> dict[int, tuple]:
    """Per person: (first touch, first meeting, last touch, count, gives, takes, last take's
    touchpoint, last take's time).

    The ORM builds the query; it runs on a `bulksql.read_cursor`, and only the four times
    are converted on SQLite (there the ORM's converters cost more than the query's own work
    at 30k people). It reads only columns of the participation index (person, occurred_at,
    touchpoint, channel, give_take), no touchpoint: the participation carries its
    touchpoint's channel and give/take. Counting touchpoints, not participation ids, keeps
    it a covering read.
    """
    if not ids:
        return {}  # the ORM refuses to compile `IN ()`: nobody, no stats
    take, give = Q(give_take="take"), Q(give_take="give")
    met = Q(channel__in=engine.MEETING_CHANNELS)
    rows = (
        Participation.objects.filter(_among(ids))
        .values("person_id")
        .annotate(
            first=Min("occurred_at"),
            first_meeting=Min("occurred_at", filter=met),
            last=Max("occurred_at"),
            n=Count("touchpoint_id"),
            gives=Count("touchpoint_id", filter=give),
            takes=Count("touchpoint_id", filter=take),
            last_take_id=Max("touchpoint_id", filter=take),
            last_take_at=Max("occurred_at", filter=take),
        )
        .values_list("person_id", *TOUCH_STATS)
    )
    sql, params = rows.query.sql_with_params()
    with bulksql.read_cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    if connection.vendor == "postgresql":  # aware datetimes already
        return {row[0]: row[1:] for row in found}
    read = bulksql.adapters().read_datetime
    return {
        person_id: (read(first), read(met_at), read(last), n, gives, takes, take_id, read(take_at))
        for person_id, first, met_at, last, n, gives, takes, take_id, take_at in found
    }


class _Job(NamedTuple):
    """A person's current position, whether it is a promotion, and their tenure there."""

    id: int
    start: dt.date
    title: str
    is_promotion: bool
    tenure_id: int | None
    tenure_start: dt.date | None


def _current_jobs(ids: list[int]) -> dict[int, _Job]:
    rows = bulksql.values_rows(
        Employment.objects.filter(_among(ids)).values_list(
            "person_id", "id", "organisation_id", "title", "start_date", "is_current"
        )
    )
    by_person: dict[int, list[tuple]] = {}
    for row in rows:
        found = by_person.get(row[0])
        if found is None:
            by_person[row[0]] = [row]
        else:
            found.append(row)
    jobs: dict[int, _Job] = {}
    for person_id, held in by_person.items():
        if len(held) == 1:  # most people: their only position is their tenure, no promotion
            _person, pk, _org, title, start, current = held[0]
            if current and start is not None:
                jobs[person_id] = _Job(pk, start, title, False, pk, start)
            continue
        positions: list[tuple[int, int, str, dt.date | None, bool]] = [r[1:] for r in held]
        dated = [p for p in positions if p[4] and p[3] is not None]
        if not dated:
            continue
        pk, org, title, start, _current = max(dated, key=lambda p: (p[3], p[0]))
        assert start is not None
        # Earlier positions at the same organisation: recorded before, or started before.
        earlier = [p for p in positions if p[1] == org and p[0] != pk and _before(p, start, pk)]
        at_org = [p for p in positions if p[1] == org and p[3] is not None]
        first = min(at_org, key=lambda p: (p[3], p[0]))
        jobs[person_id] = _Job(pk, start, title, bool(earlier), first[0], first[3])
    return jobs


def _before(position: tuple[int, int, str, dt.date | None, bool], start: dt.date, pk: int) -> bool:
    other_start = position[3]
    return other_start < start if other_start is not None else position[0] < pk


def _occasions(ids: list[int]) -> dict[int, list[engine.OccasionFact]]:
    found: dict[int, list[engine.OccasionFact]] = {}
    rows = Occasion.objects.filter(_among(ids)).order_by("on", "id")
    for person_id, pk, kind, on, note in rows.values_list("person_id", "id", "kind", "on", "note"):
        found.setdefault(person_id, []).append(engine.OccasionFact(pk, kind, on, note))
    return found


class PersonRow(NamedTuple):
    """The person columns collect_facts reads (no notes, search text or addresses)."""

    pk: int
    first_name: str
    last_name: str
    circle: str
    keep_in_touch_days: int | None
    created_at: dt.datetime
    user_id: int | None
    met_on: dt.date | None
    known_since: dt.date | None
    origin: str
    birthday_day: int | None
    birthday_month: int | None
    birthday_year: int | None
    organisation_id: int | None
    organisation_name: str | None
    organisation_is_target: bool | None
    organisation_target_priority: int | None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "—"


# The columns of PersonRow, in its order.
FACT_FIELDS = (
    "id",
    "first_name",
    "last_name",
    "circle",
    "keep_in_touch_days",
    "created_at",
    "user_id",
    "met_on",
    "known_since",
    "origin",
    "birthday_day",
    "birthday_month",
    "birthday_year",
    "organisation_id",
    "organisation__name",
    "organisation__is_target",
    "organisation__target_priority",
)


def person_rows(people: QuerySet[Person]) -> list[PersonRow]:
    """These people as plain rows in id order (no model instances: a recompute reads 30k)."""
    rows = bulksql.values_rows(people.order_by("pk").values_list(*FACT_FIELDS))
    return [PersonRow._make(r) for r in rows]


def collect_facts(
    people: Sequence[PersonRow], zone: ZoneInfo, circle_days: dict[str, int]
) -> list[engine.PersonFacts]:
    """The engine's facts for these people (a handful of queries for any number of them)."""
    ids = [p.pk for p in people]
    stats, jobs, occasions = _touch_stats(ids), _current_jobs(ids), _occasions(ids)
    facts = []
    for p in people:
        first, first_meeting, last, n, gives, takes, take_id, take_at = stats.get(p.pk, _NO_STATS)
        has_org = p.organisation_id is not None
        job = jobs.get(p.pk)
        facts.append(
            engine.PersonFacts(
                person_id=p.pk,
                name=p.first_name or p.full_name,
                circle=p.circle,
                interval_days=p.keep_in_touch_days or circle_days.get(p.circle, 180),
                created_at=p.created_at,
                zone=zone,
                is_self=p.user_id is not None,
                is_target=bool(has_org and p.organisation_is_target),
                target_priority=p.organisation_target_priority if has_org else 3,  # type: ignore[arg-type]
                organisation=p.organisation_name if has_org else "",  # type: ignore[arg-type]
                met_on=p.met_on,
                known_since=p.known_since,
                imported=p.origin == Origin.IMPORT,
                first_touch_at=first,
                first_touch_met=first is not None and first == first_meeting,
                last_touch_at=last,
                touch_count=n,
                gives=gives,
                takes=takes,
                last_take_id=take_id,
                last_take_at=take_at,
                birthday=(p.birthday_day, p.birthday_month, p.birthday_year)
                if p.birthday_day and p.birthday_month
                else None,
                job_id=job.id if job else None,
                job_start=job.start if job else None,
                job_title=job.title if job else "",
                job_is_promotion=job.is_promotion if job else False,
                tenure_id=job.tenure_id if job else None,
                tenure_start=job.tenure_start if job else None,
                occasions=tuple(occasions.get(p.pk, ())),
            )
        )
    return facts


def _desired(workspace: Workspace, people: list[PersonRow], today: dt.date) -> list[engine.DueItem]:
    zone = workspace_zone(workspace)
    rules, circle_days = workspace_rules(workspace)
    people = _without_excluded(workspace, people)
    items = engine.people_items(collect_facts(people, zone, circle_days), rules, today)
    ids = [p.pk for p in people]
    for provider in FACT_PROVIDERS:
        subject_facts = list(provider(workspace.pk, ids, zone))
        items.extend(engine.subject_items(subject_facts, rules, zone))
    return items


# --- reconcile ---------------------------------------------------------------------------


def _apply(row: FollowUp, item: engine.DueItem) -> bool:
    """Update an active row from its item; True when something changed."""
    new = {"priority": item.priority, "params": item.params, "window_end": item.window_end}
    new["original_due_on"] = item.due_on
    if row.state == State.OPEN:
        new["due_on"] = item.due_on
    changed = any(getattr(row, k) != v for k, v in new.items())
    for k, v in new.items():
        setattr(row, k, v)
    if changed:
        row.updated_at = timezone.now()  # bulk_update skips auto_now
    return changed


def _reconcile(
    workspace: Workspace,
    person_ids: list[int],
    items: list[engine.DueItem],
    answered_by: dict[int, int] | None = None,
) -> dict[str, int]:
    wanted = {i.key: i for i in items}
    # Two index-friendly reads instead of one OR (which SQLite answers with a scan):
    # the people's active items (person, state) and any row with a wanted key (workspace, key).
    existing: dict[str, FollowUp] = {
        r.key: r for r in FollowUp.objects.filter(person_id__in=person_ids, state__in=ACTIVE_STATES)
    }
    missing = [key for key in wanted if key not in existing]
    for start in range(0, len(missing), 500):
        for found in FollowUp.objects.filter(
            workspace=workspace, key__in=missing[start : start + 500]
        ):
            existing[found.key] = found
    create: list[FollowUp] = []
    update: list[FollowUp] = []
    for key, item in wanted.items():
        row = existing.get(key)
        if row is None:
            create.append(_new_row(workspace, item))
        elif row.state in ACTIVE_STATES and _apply(row, item):
            update.append(row)
    stale = [r for k, r in existing.items() if k not in wanted and r.state in ACTIVE_STATES]
    # No ignore_conflicts: the people are locked, so a conflict is a bug to see, not to drop.
    FollowUp.objects.bulk_create(create)
    FollowUp.objects.bulk_update(
        update, ["priority", "params", "window_end", "original_due_on", "due_on", "updated_at"]
    )
    _close_stale(stale, answered_by or {})
    return {"created": len(create), "updated": len(update), "closed": len(stale)}


def _new_row(workspace: Workspace, item: engine.DueItem) -> FollowUp:
    return FollowUp(
        workspace=workspace,
        person_id=item.person_id,
        rule=item.rule,
        key=item.key,
        subject=item.subject,
        due_on=item.due_on,
        original_due_on=item.due_on,
        window_end=item.window_end,
        priority=item.priority,
        params=item.params,
    )


# The columns _reconcile_bulk reads of existing rows, and those it writes.
_READ = (
    "id",
    "person_id",
    "key",
    "state",
    "priority",
    "params",
    "window_end",
    "original_due_on",
    "due_on",
    # Compared only by a rebuild (_same_as_new):
    "rule",
    "subject",
    "snoozed_until",
    "skip_reason",
    "closed_at",
    "closed_by_touchpoint_id",
)
_UPDATED = ("priority", "params", "window_end", "original_due_on", "due_on", "updated_at")
_INSERTED = (
    "created_at",
    "updated_at",
    "workspace_id",
    "person_id",
    "rule",
    "key",
    "subject",
    "due_on",
    "original_due_on",
    "window_end",
    "priority",
    "params",
    "state",
    "snoozed_until",
    "skip_reason",
    "closed_at",
    "closed_by_touchpoint_id",
)


def _reconcile_bulk(
    workspace: Workspace,
    person_ids: list[int],
    items: list[engine.DueItem],
    *,
    rebuild: bool = False,
) -> dict[str, int]:
    """`_reconcile` for many people at once, without model instances (recompute, roll).

    The same decisions row by row — a new key is inserted, an active row takes the item's
    values (a snoozed one keeps its date), a vanished active item is removed, done and
    skipped rows stay as they are — written as plain rows (COPY or executemany). Rows are
    read without the ORM's converters (dates come as dates from both databases, JSON as
    text: see `bulksql.Adapters.json_equal`).

    With `rebuild` (a recompute from scratch) the people's open rows are replaced by new
    ones: an open row that differs in any column from the row its item makes is deleted and
    inserted again; one that equals it is left as it is (replacing it would change nothing
    but its id and timestamps).

    A wanted key normally has its row among its person's rows (the key names the person).
    Only a row moved to another person (a merge) can hold it elsewhere; looking every new
    key up (a recompute into an empty table: every key) cost more than the writes. So the
    writes are tried first, in a savepoint, and only when a key turns out to be taken are
    they made again with the keys looked up.
    """
    try:
        with transaction.atomic():
            return _reconcile_rows(workspace, person_ids, items, rebuild, look_elsewhere=False)
    except IntegrityError:
        pass
    return _reconcile_rows(workspace, person_ids, items, rebuild, look_elsewhere=True)


def _reconcile_rows(
    workspace: Workspace,
    person_ids: list[int],
    items: list[engine.DueItem],
    rebuild: bool,
    *,
    look_elsewhere: bool,
) -> dict[str, int]:
    """`_reconcile_bulk`'s decisions and writes; with `look_elsewhere`, a wanted key not
    among the people's rows is looked up in the workspace."""
    a = bulksql.adapters()
    wanted = {i.key: i for i in items}
    people = set(person_ids)
    # The people's rows in any state (one range read), then any other row with a wanted key.
    existing: dict[str, tuple] = {}
    stale = []
    replaced: set[str] = set()
    same: set[str] = set()  # open rows a rebuild found equal to their item: nothing to do
    for r in bulksql.select_rows(FollowUp, _READ, workspace.pk, ids=person_ids):
        if r[1] not in people:
            continue
        key = r[2]
        if key in wanted:
            if rebuild and r[3] == State.OPEN:
                if not _same_as_new(a, r, wanted[key]):
                    stale.append(r[0])
                    replaced.add(key)
                    continue
                same.add(key)
            existing[key] = r
        elif r[3] in ACTIVE_STATES:
            stale.append(r[0])
    elsewhere = [key for key in wanted if key not in existing and key not in replaced]
    if elsewhere and look_elsewhere:
        found = bulksql.select_rows(FollowUp, _READ, workspace.pk, keys=elsewhere)
        existing.update((r[2], r) for r in found)
    stamp = a.datetime(timezone.now())
    create: list[tuple] = []
    update: list[tuple] = []
    for key, item in wanted.items():
        if key in same:
            continue
        row = existing.get(key)
        if row is None:
            create.append(_insert_values(a, workspace.pk, item, stamp))
            continue
        pk, _person, _key, state, priority, params, window_end, original, due_on = row[:9]
        if state not in ACTIVE_STATES:
            continue
        new_due = item.due_on if state == State.OPEN else due_on
        if (
            priority != item.priority
            or window_end != item.window_end
            or original != item.due_on
            or due_on != new_due
            or not a.json_equal(params, item.params)
        ):
            update.append(_update_values(a, item, new_due, stamp, pk))
    # The replaced rows go before their keys are inserted again (one row per key).
    bulksql.delete_rows(FollowUp, stale)
    bulksql.insert_rows(FollowUp, _INSERTED, create)
    bulksql.update_rows(FollowUp, _UPDATED, update)
    closed = len(stale) - len(replaced)
    return {"created": len(create) - len(replaced), "updated": len(update), "closed": closed}


def _same_as_new(a: bulksql.Adapters, row: tuple, item: engine.DueItem) -> bool:
    """Whether an open row (`_READ`, as read) equals the row `_insert_values` makes."""
    (_pk, person_id, _key, _state, priority, params, window_end, original, due_on) = row[:9]
    rule, subject, snoozed_until, skip_reason, closed_at, closed_by = row[9:]
    return (
        person_id == item.person_id
        and due_on == item.due_on
        and original == item.due_on
        and window_end == item.window_end
        and priority == item.priority
        and rule == item.rule
        and subject == item.subject
        and snoozed_until is None
        and skip_reason == ""
        and closed_at is None
        and closed_by is None
        and a.json_equal(params, item.params)
    )


def _update_values(
    a: bulksql.Adapters, item: engine.DueItem, due_on: dt.date, stamp: Any, pk: int
) -> tuple:
    return (
        item.priority,
        a.json(item.params),
        a.date(item.window_end),
        a.date(item.due_on),
        a.date(due_on),
        stamp,
        pk,
    )


def _insert_values(
    a: bulksql.Adapters, workspace_id: int, item: engine.DueItem, stamp: Any
) -> tuple:
    due = a.date(item.due_on)
    return (
        stamp,
        stamp,
        workspace_id,
        item.person_id,
        item.rule,
        item.key,
        item.subject,
        due,
        due,
        a.date(item.window_end),
        item.priority,
        a.json(item.params),
        State.OPEN.value,
        None,
        "",
        None,
        None,
    )


def _close_stale(stale: list[FollowUp], answered_by: dict[int, int]) -> None:
    """Items whose facts went away: answered by a touchpoint (done) or simply gone.

    `answered_by` maps a person to the touchpoint that answered their items.
    """
    by_touchpoint: dict[int | None, list[int]] = {}
    for row in stale:
        by_touchpoint.setdefault(answered_by.get(row.person_id), []).append(row.pk)
    now = timezone.now()
    for touchpoint_id, ids in by_touchpoint.items():
        if touchpoint_id is None:
            FollowUp.objects.filter(pk__in=ids).delete()
        else:
            FollowUp.objects.filter(pk__in=ids).update(
                state=State.DONE,
                closed_at=now,
                closed_by_touchpoint_id=touchpoint_id,
                updated_at=now,
            )


def _people(workspace: Workspace, ids: list[int]) -> list[PersonRow]:
    return person_rows(Person.objects.filter(workspace=workspace, pk__in=ids))


def workspace_today(workspace: Workspace, now: dt.datetime | None = None) -> dt.date:
    """Today in the workspace's zone: the day every member's agenda and snooze count from."""
    return (now or timezone.now()).astimezone(workspace_zone(workspace)).date()


_today = workspace_today


_deferred = threading.local()


@contextmanager
def followups_deferred() -> Iterator[None]:
    """Collect refreshes inside the block and run them once, together, at its end.

    For bulk writers (the outbox, imports): one refresh of 200 people costs about what one
    refresh of a single person costs.
    """
    if getattr(_deferred, "pending", None) is not None:
        yield  # nested: the outer block flushes
        return
    _deferred.pending = {}
    try:
        yield
    finally:
        pending, _deferred.pending = _deferred.pending, None
        if pending:
            answered = {pk: tp for pk, tp in pending.items() if tp is not None}
            followups_refresh_people(person_ids=list(pending), answered_by=answered)


def followups_refresh_people(
    *,
    person_ids: list[int],
    touchpoint_id: int | None = None,
    answered_by: dict[int, int] | None = None,
) -> None:
    """Recompute the follow-ups of these people after their facts changed.

    Called on commit by the contacts and touchpoints services. A touchpoint closes (marks
    done) the items it answers; other vanished items are removed. Inside
    `followups_deferred()` the work is collected and done once at the end of the block.
    """
    answered = dict(answered_by or {})
    if touchpoint_id is not None:
        answered.update(dict.fromkeys(person_ids, touchpoint_id))
    pending = getattr(_deferred, "pending", None)
    if pending is not None:
        for pk in person_ids:
            pending[pk] = answered.get(pk, pending.get(pk))
        return
    _refresh(sorted(set(person_ids)), answered)


def followups_facts_changed(person_ids: list[int], answered_by: dict[int, int]) -> None:
    """Subscriber of core.facts: refresh these people's follow-ups after a commit.

    Runs after the write committed, so a failure here must not fail the request that made
    the write (a retry would log the touchpoint twice): a database error hands the refresh
    to the worker instead, and the agenda catches up a moment later.
    """
    try:
        followups_refresh_people(person_ids=person_ids, answered_by=answered_by)
    except DatabaseError:
        logger.warning("follow-up refresh failed; queued for the worker", exc_info=True)
        try:
            from kontaktpflege.followups.tasks import followups_refresh

            followups_refresh.enqueue(person_ids, {str(k): v for k, v in answered_by.items()})
        except DatabaseError:
            logger.exception("could not queue the follow-up refresh of %s", person_ids)


# Who recomputes whom, on PostgreSQL: advisory locks on buckets of person ids (an id's
# bucket is id >> BUCKET_BITS). A recompute chunk holds its buckets exclusively; a refresh
# shares the buckets of its people, so it waits for the chunk recomputing them (and a chunk
# for the refreshes under way), while chunks of other buckets and other refreshes go on.
# Locking the chunk's 5,000 person rows instead wrote every row and its page: 8% of a
# recompute at L. Where a chunk would need more than MAX_BUCKET_LOCKS buckets (a workspace
# whose ids are spread among others'), it locks its rows as before; a refresh spread over
# more buckets takes the WIDE lock exclusively, which every chunk shares.
LOCK_SPACE = 0x4B50  # the advisory locks' first key ("KP")
WIDE = -1
BUCKET_BITS = 10
MAX_BUCKET_LOCKS = 32


def _advisory(buckets: list[int], *, shared: bool) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    with connection.cursor() as cursor:  # in the array's order, which is ascending
        cursor.execute(f"SELECT {fn}(%s, b) FROM unnest(%s::int[]) AS b", [LOCK_SPACE, buckets])


def _lock_people(ids: list[int]) -> list[tuple[int, int]]:
    """Lock these people's rows (in id order, so two refreshes never deadlock), after
    sharing their buckets (see LOCK_SPACE) with any other refresh.

    Two refreshes of one person then run one after the other, and the later one reads the
    facts the earlier one's writer committed: the last writer wins with the newest facts.
    A recompute of their bucket runs before or after, not at the same time.
    (SQLite's IMMEDIATE transactions serialise writers anyway; this is for PostgreSQL.)
    """
    if connection.vendor == "postgresql" and ids:
        buckets = sorted({pk >> BUCKET_BITS for pk in ids})
        if len(buckets) > MAX_BUCKET_LOCKS:
            _advisory([WIDE], shared=False)
        else:
            _advisory(buckets, shared=True)
    return list(
        Person.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "workspace_id")
    )


def _chunk_spans(ids: list[int]) -> list[tuple[int, int, int]]:
    """(first id, last id, people) of each chunk of a recompute: RECOMPUTE_CHUNK people or a
    little more, ending at the end of a bucket, so no bucket is in two chunks."""
    spans: list[tuple[int, int, int]] = []
    start = 0
    while start < len(ids):
        end = min(start + RECOMPUTE_CHUNK, len(ids))
        bucket = ids[end - 1] >> BUCKET_BITS
        while end < len(ids) and ids[end] >> BUCKET_BITS == bucket:
            end += 1
        spans.append((ids[start], ids[end - 1], end - start))
        start = end
    return spans


def _lock_span(lo: int, hi: int) -> bool:
    """Hold the buckets of the ids from lo to hi for this transaction (PostgreSQL); False
    when that would take too many locks: then the chunk locks its people's rows."""
    first, last = lo >> BUCKET_BITS, hi >> BUCKET_BITS
    if connection.vendor != "postgresql":
        return True  # one writer at a time anyway
    if last - first + 1 > MAX_BUCKET_LOCKS:
        _advisory([WIDE], shared=True)
        return False
    _advisory([WIDE], shared=True)
    _advisory(list(range(first, last + 1)), shared=False)
    return True


@transaction.atomic
def _refresh(ids: list[int], answered: dict[int, int]) -> None:
    by_workspace: dict[int, list[int]] = {}
    for pk, ws in _lock_people(ids):
        by_workspace.setdefault(ws, []).append(pk)
    for workspace in Workspace.objects.filter(pk__in=list(by_workspace)):
        people = _people(workspace, by_workspace[workspace.pk])
        items = _desired(workspace, people, _today(workspace))
        _reconcile(workspace, [p.pk for p in people], items, answered)


def followups_refresh_bulk(*, person_ids: list[int]) -> None:
    """Recompute many people's follow-ups with the bulk writer (imports, via the worker).

    The same rows `followups_refresh_people` leaves when no touchpoint answered their items,
    without model instances: people are read with the recompute's columns and the rows
    written as plain rows (`_reconcile_bulk`), a chunk per transaction.
    """
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            _refresh_bulk_chunk(ids[start : start + CHUNK])


def _refresh_bulk_chunk(ids: list[int]) -> None:
    by_workspace: dict[int, list[int]] = {}
    for pk, ws in _lock_people(ids):
        by_workspace.setdefault(ws, []).append(pk)
    for workspace in Workspace.objects.filter(pk__in=list(by_workspace)):
        wanted = set(by_workspace[workspace.pk])
        span = Person.objects.filter(_among(sorted(wanted), "id"), workspace=workspace)
        people = [p for p in person_rows(span) if p.pk in wanted]
        items = _desired(workspace, people, _today(workspace))
        _reconcile_bulk(workspace, [p.pk for p in people], items)


def followups_recompute_workspace(
    *,
    workspace: Workspace,
    from_scratch: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rebuild a workspace's follow-ups from its facts; returns the number of active items.

    From scratch, each chunk's open rows are rebuilt in the same transaction, so a reader or
    a crash never sees an empty agenda (a chunk is either old or new): an open row that
    differs in any column from the row its item makes is replaced, one that equals it stays
    (see `_reconcile_bulk`). User decisions (snoozed, done, skipped) stay, because they are
    facts too. Facts are read as plain rows, a chunk of people by id range; a chunk keeps
    nearly all it makes until its end, so the cyclic garbage collector pauses meanwhile.

    A large workspace on PostgreSQL is recomputed by several processes at once (see
    `recompute_processes`); each chunk is still one transaction of its own.
    """
    today = _today(workspace)
    # Sorted here: ordered by id, PostgreSQL walked the primary key and fetched each row
    # for its workspace, 3.1 s at a million people (the table read whole: 0.6 s).
    people = Person.objects.filter(workspace=workspace).order_by().values_list("pk")
    ids = sorted(pk for (pk,) in bulksql.values_rows(people))
    spans = _chunk_spans(ids)
    processes = recompute_processes(len(ids), len(spans))
    done = 0
    if processes > 1:
        for n in parallel.run_spans(
            _recompute_span,
            [(workspace.pk, lo, hi, n, today, from_scratch) for lo, hi, n in spans],
            processes,
        ):
            done += n
            if progress is not None:
                progress(done, len(ids))
    else:
        for lo, hi, n in spans:
            with transaction.atomic(), collector_paused():
                _recompute_chunk(workspace, lo, hi, today, from_scratch)
            done += n
            if progress is not None:
                progress(done, len(ids))
    return FollowUp.objects.filter(workspace=workspace).active().count()


def recompute_processes(people: int, chunks: int) -> int:
    """How many processes recompute a workspace of this many people: one, unless it is a
    large workspace (PARALLEL_FROM people) on PostgreSQL outside any transaction (a process
    of its own could not see that transaction's writes); then KP_RECOMPUTE_PROCESSES,
    by default the machine's cores, at most one per chunk.

    SQLite stays in one process: it has one writer at a time."""
    wanted = settings.RECOMPUTE_PROCESSES or os.cpu_count() or 1
    if (
        wanted <= 1
        or people < PARALLEL_FROM
        or connection.vendor != "postgresql"
        or connection.in_atomic_block
    ):
        return 1
    return max(1, min(wanted, chunks))


def _recompute_span(workspace_id: int, lo: int, hi: int, n: int, today: dt.date, drop: bool) -> int:
    """One chunk in a recompute process (see `parallel.run_spans`): its own transaction."""
    workspace = Workspace.objects.get(pk=workspace_id)
    with transaction.atomic(), collector_paused():
        _recompute_chunk(workspace, lo, hi, today, drop)
    return n


def _recompute_chunk(workspace: Workspace, lo: int, hi: int, today: dt.date, drop: bool) -> None:
    """Recompute the workspace's people with ids from lo to hi (all of them in that range)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Its queries are planned as expensive at 1M rows: compiling them (JIT) costs
            # more than it saves on a chunk.
            cursor.execute("SET LOCAL jit = off")
    span = Person.objects.filter(workspace=workspace, pk__gte=lo, pk__lte=hi)
    if not _lock_span(lo, hi):  # then locked as they are read, in id order
        span = span.select_for_update(of=("self",))
    people = person_rows(span)
    if not people:
        return
    chunk = [p.pk for p in people]
    _reconcile_bulk(workspace, chunk, _desired(workspace, people, today), rebuild=drop)


def recompute_run_start(*, workspace: Workspace) -> RecomputeRun:
    """Queue a recompute of the workspace in the worker (after the current transaction)."""
    from kontaktpflege.followups.tasks import followups_recompute

    run = RecomputeRun.objects.create(workspace=workspace)
    transaction.on_commit(lambda: followups_recompute.enqueue(run.pk))
    return run


def recompute_run_execute(*, run: RecomputeRun) -> int:
    """Run a queued recompute, recording progress; a newer run makes an older one moot."""
    if RecomputeRun.objects.filter(workspace_id=run.workspace_id, pk__gt=run.pk).exists():
        _recompute_finish(run, error="")
        return 0
    RecomputeRun.objects.filter(pk=run.pk).update(started_at=timezone.now())

    def progress(done: int, total: int) -> None:
        RecomputeRun.objects.filter(pk=run.pk).update(done=done, total=total)

    try:
        count = followups_recompute_workspace(
            workspace=run.workspace, from_scratch=False, progress=progress
        )
    except Exception as exc:
        _recompute_finish(run, error=str(exc)[:300])
        raise
    _recompute_finish(run, error="")
    return count


def _recompute_finish(run: RecomputeRun, *, error: str) -> None:
    RecomputeRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), error=error)


def followups_roll(*, workspace: Workspace, since: dt.date | None = None) -> int:
    """Daily: move date-dependent items (birthdays, work anniversaries) to their occurrence.

    It also lets 72-hour items whose window has passed expire. Only these three rules
    depend on the day (engine.PERSON_RULES), so with `since` (the last day rolled, in the
    same year) only the people whose item of today differs are recomputed: see
    `roll_candidates`. Without it, or across a new year (the span of occurrences the
    engine looks at moves), everyone with such facts is. Returns the number of people.
    """
    today = _today(workspace)
    if since is not None and since.year == today.year and since < today:
        ids = roll_candidates(workspace=workspace, today=today)
    else:
        ids = list(
            Person.objects.filter(workspace=workspace)
            .filter(
                Q(birthday_month__isnull=False)
                | Q(employments__is_current=True, employments__start_date__isnull=False)
                | Q(followups__rule="new_contact", followups__state__in=ACTIVE_STATES)
            )
            .order_by("pk")
            .values_list("pk", flat=True)
            .distinct()
        )
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            _lock_people(ids[start : start + CHUNK])
            people = _people(workspace, ids[start : start + CHUNK])
            _reconcile_bulk(workspace, [p.pk for p in people], _desired(workspace, people, today))
    return len(ids)


def roll_candidates(*, workspace: Workspace, today: dt.date) -> list[int]:
    """The people whose date-dependent item of `today` is not the one they have.

    - new_contact: an active item whose window ended before today expires;
    - birthday, work_anniversary: the engine's item is the next occurrence that has not
      expired (due + window < today). Every occurrence it chose has a row, whatever the
      user did with it, so a person whose latest occurrence row expired needs the next
      one (the engine only ever moves forward within a year; a touch or a changed date
      refreshes the person at once).
    """
    rules, _circles = workspace_rules(workspace)
    rows = FollowUp.objects.filter(workspace=workspace)
    expired = rows.filter(rule="new_contact", state__in=ACTIVE_STATES, window_end__lt=today)
    ids = set(expired.values_list("person_id", flat=True))
    for kind in ("birthday", "work_anniversary"):
        cutoff = today - dt.timedelta(days=rules[kind].window_days)
        latest = (
            rows.filter(rule=kind)
            .values("person_id")
            .annotate(last=Max("original_due_on"))
            .filter(last__lt=cutoff)
            .values_list("person_id", flat=True)
        )
        ids.update(latest)
    return sorted(ids)


# --- user actions ------------------------------------------------------------------------


def _require_active(followup: FollowUp) -> None:
    if followup.state not in ACTIVE_STATES:
        raise ValidationError(_("This follow-up is already closed."))


def _transition(followup: FollowUp, **changes: Any) -> None:
    """Apply the changes only while the row is still open or snoozed, in one UPDATE.

    The object may be stale (a double submit, a second tab): the database decides, so the
    second of two concurrent actions gets "already closed" and changes nothing.
    """
    changes["updated_at"] = timezone.now()
    rows = FollowUp.objects.filter(pk=followup.pk, state__in=ACTIVE_STATES)
    if not rows.update(**changes):
        raise ValidationError(_("This follow-up is already closed."))
    for name, value in changes.items():
        setattr(followup, name, value)


# Rules whose seed names the channel: feedback after a rejection is asked for by phone (000).
# After a personal rejection the recruiter calls (002).
SUGGESTED_CHANNEL = {"feedback_request": Channel.CALL, "rejection_call": Channel.CALL}


def done_channel(*, followup: FollowUp, summary: str = "") -> str:
    """The channel a "Done" logs when none was chosen.

    The one the user's words name ("Telefonat …"), else the one the rule suggests, else
    the person's preferred or first reachable channel; a meeting when none is recorded.
    """
    named = named_channel(summary) if summary.strip() else None
    if named:
        return named
    if followup.rule in SUGGESTED_CHANNEL:
        return SUGGESTED_CHANNEL[followup.rule]
    person = followup.person
    reachable = reachable_channels(person)
    return person.preferred_channel or (reachable[0] if reachable else Channel.MEETING)


@transaction.atomic
def followup_complete(
    *,
    followup: FollowUp,
    user: User,
    channel: str = "",
    summary: str = "",
) -> Touchpoint:
    """Done: log a touchpoint with the person in one step and close the item."""
    from kontaktpflege.touchpoints.services import touchpoint_log

    _require_active(followup)
    person = followup.person
    channel = channel or done_channel(followup=followup, summary=summary)
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    summary = clean_text(summary, field="summary", max_length=300) or rule_label(followup.rule)
    _transition(followup, state=State.DONE, closed_at=timezone.now())
    touchpoint = touchpoint_log(
        workspace=followup.workspace,
        participants=[person],
        summary=summary,
        channel=channel,
        direction="out",
        created_by=user,
        source="followup",
    )
    followup.closed_by_touchpoint = touchpoint
    followup.save(update_fields=["closed_by_touchpoint", "updated_at"])
    return touchpoint


@transaction.atomic
def followup_snooze(*, followup: FollowUp, until: dt.date, today: dt.date) -> FollowUp:
    """Snooze until a date after today (the user's today); the item returns on that day."""
    _require_active(followup)
    if until <= today:
        raise ValidationError({"until": _("Choose a date after today.")})
    if (until - today).days > MAX_SNOOZE_DAYS:
        raise ValidationError({"until": _("Choose a date within the next ten years.")})
    _transition(followup, state=State.SNOOZED, snoozed_until=until, due_on=until)
    return followup


@transaction.atomic
def followup_skip(*, followup: FollowUp, reason: str) -> FollowUp:
    """Skip this occurrence with a reason; the next occurrence comes as usual."""
    _require_active(followup)
    reason = clean_text(reason, field="reason", max_length=300)
    if not reason:
        raise ValidationError({"reason": _("Say briefly why you skip it.")})
    _transition(followup, state=State.SKIPPED, skip_reason=reason, closed_at=timezone.now())
    return followup


@transaction.atomic
def occasion_record(*, person: Person, kind: str, on: dt.date, note: str = "") -> Occasion:
    """Record an occasion (promotion, media appearance …) for a person."""
    if kind not in OccasionKind.values:
        raise ValidationError({"kind": _("Unknown occasion.")})
    if on > _today(person.workspace) + dt.timedelta(days=366):
        raise ValidationError({"on": _("Choose a date within the next year.")})
    occasion = Occasion.objects.create(
        workspace_id=person.workspace_id,
        person=person,
        kind=kind,
        on=on,
        note=clean_text(note, field="note", max_length=300),
    )
    transaction.on_commit(lambda: followups_refresh_people(person_ids=[person.pk]))
    return occasion


@transaction.atomic
def followup_rules_update(
    *,
    workspace: Workspace,
    circle_days: dict[str, int] | None = None,
    rules: dict[str, dict[str, Any]] | None = None,
) -> RecomputeRun:
    """Change a workspace's rule defaults; validated as a whole, then recomputed in the worker.

    Returns the queued run, whose progress the settings page and the API show.
    """
    data = dict(workspace.settings or {})
    new_circles = {**data.get("circle_days", {}), **(circle_days or {})}
    new_rules = {**data.get("followup_rules", {})}
    for kind, values in (rules or {}).items():
        new_rules[kind] = {**new_rules.get(kind, {}), **values}
    try:
        # Store what was validated (ints, bools), never the raw input: a "30" kept as a
        # string would break the date arithmetic of every later recompute.
        new_circles = engine.circle_days_for(new_circles)
        new_rules = engine.rule_overrides_clean(new_rules)
    except (engine.RuleError, TypeError, ValueError) as exc:
        raise ValidationError(
            _("Choose intervals between 1 day and 10 years (offsets from 0).")
        ) from exc
    data["circle_days"], data["followup_rules"] = new_circles, new_rules
    workspace.settings = data
    workspace.save(update_fields=["settings"])
    return recompute_run_start(workspace=workspace)
