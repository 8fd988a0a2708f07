"""Reads about follow-ups that check workspace access: the agenda, a person's items, feeds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connections, router
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import translation

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import EmailAddress, Person, PhoneNumber, Relationship
from kontaktpflege.followups import engine
from kontaktpflege.followups.models import (
    ACTIVE_STATES,
    FollowUp,
    NotificationSettings,
    RecomputeRun,
)
from kontaktpflege.followups.reasons import (
    overdue_text,
    reason,
    rule_label,
    suggested_since,
)

GROUPS = ("overdue", "today", "week")
PER_GROUP = 20  # the API's default
# Today's default page lists at most PAGE_ITEMS items in all, each group its top GROUP_FLOOR
# at least, so it stays a short list at any data size; "show all" lists at most SHOW_ALL
# per group.
PAGE_ITEMS = 10
GROUP_FLOOR = 2
SHOW_ALL = 100
WEEK_DAYS = 7


@dataclass
class AgendaItem:
    """A follow-up as the agenda shows it: row, reason sentence, label, effective priority."""

    followup: FollowUp
    reason: str
    label: str
    priority: int
    days_overdue: int
    # Suggestions (design.md) show "suggested since …" instead of a due date and lateness.
    suggested: str = ""
    overdue: str = ""  # "4 days overdue", "over 11 years overdue"; empty when not late


@dataclass
class Agenda:
    """Items grouped into overdue / today / this week, each group ordered by priority."""

    today: dt.date
    groups: dict[str, list[AgendaItem]] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    more: dict[str, bool] = field(default_factory=dict)
    hidden: dict[str, int] = field(default_factory=dict)  # items of the group not listed

    @property
    def is_empty(self) -> bool:
        return not any(self.groups.values())

    @property
    def count(self) -> int:
        return sum(self.totals.values())


_TABLE = '"followups_followup"'


def _col(name: str) -> str:
    return f'{_TABLE}."{name}"'


def _rule_in(rules: frozenset[str]) -> tuple[str, list[Any]]:
    values = sorted(rules)
    return f"{_col('rule')} IN ({', '.join(['%s'] * len(values))})", values


def _group_sql(today: dt.date) -> tuple[str, list[Any]]:
    """The group of an item: 0 overdue, 1 today, 2 this week.

    A suggestion whose day has passed is still "today", never "overdue".
    """
    due = _col("due_on")
    suggestion, rules = _rule_in(engine.SUGGESTIONS)
    sql = (
        f"CASE WHEN {due} < %s AND {suggestion} THEN 1 WHEN {due} < %s THEN 0"
        f" WHEN {due} = %s THEN 1 ELSE 2 END"
    )
    return sql, [today, *rules, today, today]


def _priority_sql(today: dt.date) -> tuple[str, list[Any]]:
    """Base priority plus the engine's lateness bonus (engine.effective_priority)."""
    quiet, rules = _rule_in(engine.NO_LATENESS_BONUS)
    steps = " ".join(f"WHEN {_col('due_on')} <= %s THEN %s" for _step in engine.OVERDUE_STEPS)
    params: list[Any] = list(rules)
    for days, bonus in engine.OVERDUE_STEPS:
        params += [today - dt.timedelta(days=days), bonus]
    return f"({_col('priority')} + CASE WHEN {quiet} THEN 0 {steps} ELSE 0 END)", params


def _group_conditions(today: dt.date) -> list[tuple[str, list[Any]]]:
    """Each group's condition, on a range of due_on (so on a range of the agenda index)."""
    due = _col("due_on")
    suggestion, rules = _rule_in(engine.SUGGESTIONS)
    week_end = today + dt.timedelta(days=WEEK_DAYS)
    return [
        (f"{due} < %s AND NOT ({suggestion})", [today, *rules]),
        (f"{due} <= %s AND ({due} = %s OR {suggestion})", [today, today, *rules]),
        (f"{due} > %s AND {due} <= %s", [today, week_end]),
    ]


def _active_sql(workspace: Workspace) -> tuple[str, list[Any]]:
    states = list(ACTIVE_STATES)
    sql = f"{_col('workspace_id')} = %s AND {_col('state')} IN ({', '.join(['%s'] * len(states))})"
    return sql, [workspace.pk, *states]


def _top_per_group(*, workspace: Workspace, today: dt.date, per_group: int) -> RawSQL:
    """The ids of each group's top `per_group`: an ORDER BY … LIMIT per group, UNION ALL.

    The database answers each part with a top-N sort over the group's range of the index
    (workspace, state, due_on, priority, rule); a ROW_NUMBER() window over the groups sorted
    every due item instead (12.5k at M: 26 ms against 7 ms on SQLite). The SQL is written
    here because Django cannot slice the parts of a union on SQLite, `pk IN (top 1) OR
    pk IN (top 2)` ran each part twice there, and compiling the CASE expressions through the
    ORM cost more CPU (5 ms) than running the query.
    """
    active, active_params = _active_sql(workspace)
    eff, eff_params = _priority_sql(today)
    parts, params = [], []
    for n, (condition, condition_params) in enumerate(_group_conditions(today)):
        parts.append(
            f"SELECT * FROM (SELECT {_col('id')} FROM {_TABLE}"
            f" WHERE {active} AND {condition}"
            f" ORDER BY {eff} DESC, {_col('due_on')} ASC, {_col('id')} ASC LIMIT %s) AS top{n}"
        )
        params += [*active_params, *condition_params, *eff_params, per_group]
    return RawSQL(" UNION ALL ".join(parts), params)


AGENDA_FIELDS = (
    *(
        f.attname
        for f in FollowUp._meta.concrete_fields
        if f.attname not in ("created_at", "updated_at")
    ),
    *(f"person__{name}" for name in ("id", "workspace_id", "first_name", "last_name")),
    *(f"person__{name}" for name in ("user_id", "organisation_id")),
    *(f"person__organisation__{name}" for name in ("id", "name", "is_target")),
)


def agenda_queryset(
    *, workspace: Workspace, today: dt.date, per_group: int = PER_GROUP
) -> QuerySet[FollowUp]:
    """The one indexed query behind Today: active items due within a week, top N per group.

    The ranking runs on FollowUp alone (_top_per_group); people are joined only to the
    chosen rows. Each row carries `grp` (0 overdue, 1 today, 2 this week) and `eff`.
    """
    grp, grp_params = _group_sql(today)
    eff, eff_params = _priority_sql(today)
    return (
        FollowUp.objects.filter(
            pk__in=_top_per_group(workspace=workspace, today=today, per_group=per_group)
        )
        .annotate(
            grp=RawSQL(grp, grp_params, output_field=IntegerField()),
            eff=RawSQL(eff, eff_params, output_field=IntegerField()),
        )
        .select_related("person", "person__organisation")
        # What the agenda, its API and the digest read: every row is 3 model instances, and
        # converting the unread timestamps and texts cost more CPU than the query at S.
        .only(*AGENDA_FIELDS)
        .order_by("grp", "-eff", "due_on", "id")
    )


def pick_shown(rows: list[tuple[int, int, str]], total: int, floor: int = GROUP_FLOOR) -> set[int]:
    """Which of the agenda's rows (id, group, rule), in agenda order, a page of `total` lists.

    Each group keeps its top `floor` items, so no group is a bare heading; the other places go
    to obligations before suggestions (design.md), then overdue before today before this week,
    then by priority. Given the top `total` of each group, the pick is the same as over all.
    """
    rank: dict[int, int] = {}
    order = []
    for position, (pk, group, rule) in enumerate(rows):
        rank[group] = rank.get(group, 0) + 1
        order.append((rank[group] > floor, engine.is_suggestion(rule), position, pk))
    return {pk for *_key, pk in sorted(order)[:total]}


def agenda(
    *,
    workspace: Workspace,
    today: dt.date,
    language: str,
    per_group: int = PER_GROUP,
    total: int | None = None,
) -> Agenda:
    """Today's agenda for a reader whose local date is `today`, reasons in their language:
    the top `per_group` items of each group, or, given `total`, that many in all (pick_shown).
    """
    result = Agenda(
        today=today,
        groups={g: [] for g in GROUPS},
        totals=agenda_totals(workspace=workspace, today=today),
    )
    rows = list(agenda_queryset(workspace=workspace, today=today, per_group=total or per_group))
    if total is not None:
        shown = pick_shown([(r.pk, r.grp, r.rule) for r in rows], total)  # type: ignore[attr-defined]
        rows = [r for r in rows if r.pk in shown]
    labels: dict[str, str] = {}  # rule_label translates every label: once per rule is enough
    for row in rows:
        group = GROUPS[row.grp]  # type: ignore[attr-defined]
        if row.rule not in labels:
            labels[row.rule] = rule_label(row.rule)
        result.groups[group].append(_item(row, today, language, labels[row.rule]))
    for group, items in result.groups.items():
        result.hidden[group] = max(result.totals[group] - len(items), 0)
        result.more[group] = result.hidden[group] > 0
    return result


def agenda_totals(*, workspace: Workspace, today: dt.date) -> dict[str, int]:
    """How many items each group holds in all, not only the shown ones.

    One statement over ranges of the agenda index: the overdue range once, counting its
    late suggestions on the way, then due today and this week. Grouping by the group's CASE
    sorted every due item (7 ms at M on SQLite; this takes 2 ms). Counting late suggestions
    in a range of their own read the overdue range twice, and PostgreSQL answered that count
    with a sequential scan of the table (36 ms at M; this: 4 ms).
    """
    due = _col("due_on")
    active, active_params = _active_sql(workspace)
    suggestion, rules = _rule_in(engine.SUGGESTIONS)
    week_end = today + dt.timedelta(days=WEEK_DAYS)
    count = f"SELECT COUNT(*) FROM {_TABLE} WHERE {active} AND"
    sql = (
        f"SELECT COUNT(*), COUNT(CASE WHEN {suggestion} THEN 1 END),"
        f" ({count} {due} = %s), ({count} {due} > %s AND {due} <= %s)"
        f" FROM {_TABLE} WHERE {active} AND {due} < %s"
    )
    params = [*rules, *active_params, today, *active_params, today, week_end]
    params += [*active_params, today]
    with connections[router.db_for_read(FollowUp)].cursor() as cursor:
        cursor.execute(sql, params)
        late, late_suggestions, due_today, week = cursor.fetchone()
    return {
        "overdue": late - late_suggestions,
        "today": due_today + late_suggestions,
        "week": week,
    }


def agenda_item(row: FollowUp, *, today: dt.date, language: str) -> AgendaItem:
    """One follow-up as the agenda shows it."""
    return _item(row, today, language)


def _item(row: FollowUp, today: dt.date, language: str, label: str | None = None) -> AgendaItem:
    suggestion = engine.is_suggestion(row.rule)
    late = 0 if suggestion else max((today - row.due_on).days, 0)
    with translation.override(language):
        suggested = suggested_since(row.due_on, today) if suggestion else ""
        overdue = overdue_text(late) if late else ""
    return AgendaItem(
        followup=row,
        reason=reason(row.rule, row.params, today, language),
        label=rule_label(row.rule) if label is None else label,
        priority=engine.effective_priority(row.priority, row.due_on, today, row.rule),
        days_overdue=late,
        suggested=suggested,
        overdue=overdue,
    )


def followup_get(*, workspace: Workspace, pk: int) -> FollowUp:
    """One follow-up of the workspace, or 404."""
    row = FollowUp.objects.filter(workspace=workspace, pk=pk).select_related("person").first()
    if row is None:
        raise Http404
    return row


def person_followups(*, person: Person, today: dt.date, language: str) -> list[AgendaItem]:
    """A person's active follow-ups, soonest first."""
    rows = FollowUp.objects.filter(person=person, state__in=ACTIVE_STATES).order_by("due_on", "id")
    return [_item(r, today, language) for r in rows]


def core_circle_count(*, workspace: Workspace) -> int:
    """How many people (not the user) are in the core circle."""
    return Person.objects.filter(workspace=workspace, circle="core", user__isnull=True).count()


def notification_settings_for(*, user: User, workspace: Workspace) -> NotificationSettings:
    """The user's settings in a workspace (created with defaults on first use)."""
    row, _created = NotificationSettings.objects.get_or_create(user=user, workspace=workspace)
    return row


def settings_by_token(*, token: str) -> NotificationSettings:
    """The settings behind a calendar-feed token, or 404 (tampered, rotated, membership gone)."""
    row = (
        NotificationSettings.objects.filter(ics_token=token)
        .select_related("user", "workspace")
        .first()
    )
    if row is None or len(token) < 20:
        raise Http404
    if not row.user.is_active or not row.user.memberships.filter(workspace=row.workspace).exists():
        raise Http404
    return row


def feed_followups(*, workspace: Workspace, today: dt.date) -> QuerySet[FollowUp]:
    """Active follow-ups for the calendar feed: a month back to three months ahead."""
    return (
        FollowUp.objects.filter(
            workspace=workspace,
            state__in=ACTIVE_STATES,
            due_on__gte=today - dt.timedelta(days=30),
            due_on__lte=today + dt.timedelta(days=90),
        )
        .select_related("person")
        .order_by("due_on", "id")[:1000]
    )


def birthdays(*, workspace: Workspace) -> QuerySet[Person]:
    """People with a birthday (for the yearly calendar events)."""
    return Person.objects.filter(
        workspace=workspace, birthday_month__isnull=False, birthday_day__isnull=False
    ).only("id", "first_name", "last_name", "birthday_day", "birthday_month", "birthday_year")


@dataclass
class DormantContact:
    """A dormant contact on the Reactivate page with its value and ease of reach."""

    person: Person
    strength: int
    channels: list[str]
    value: int


def dormant_contacts(
    *, workspace: Workspace, user: User, now: dt.datetime, limit: int = 100
) -> list[DormantContact]:
    """Dormant contacts by value: former strength with the user, then target companies."""
    year_ago = now - dt.timedelta(days=365)
    me = Person.objects.filter(workspace=workspace, user=user).values("pk")[:1]
    edge = Relationship.objects.filter(
        Q(from_person=OuterRef("pk"), to_person=Subquery(me))
        | Q(to_person=OuterRef("pk"), from_person=Subquery(me))
    ).values("strength")[:1]
    qs = (
        # Unsorted (imported) people are sorted on the triage page, not reactivated here.
        Person.objects.filter(workspace=workspace, user__isnull=True)
        .exclude(circle="unsorted")
        .filter(
            Q(circle="dormant")
            | Q(last_touched_at__lt=year_ago)
            | Q(last_touched_at__isnull=True, created_at__lt=year_ago)
        )
        .annotate(
            strength=Coalesce(Subquery(edge), Value(0)),
            has_email=Exists(EmailAddress.objects.filter(person=OuterRef("pk"))),
            has_phone=Exists(PhoneNumber.objects.filter(person=OuterRef("pk"))),
            target=Case(When(organisation__is_target=True, then=Value(15)), default=Value(0)),
        )
        .annotate(value=F("strength") * 10 + F("target"))
        .select_related("organisation")
        .order_by("-value", F("last_touched_at").desc(nulls_last=True), "id")[:limit]
    )
    return [
        DormantContact(p, p.strength, _channels(p), p.value)  # type: ignore[attr-defined]
        for p in qs
    ]


def _channels(p: Any) -> list[str]:
    found = []
    if p.has_email:
        found.append("email")
    if p.has_phone:
        found.append("phone")
    if p.linkedin_url:
        found.append("linkedin")
    if p.xing_url:
        found.append("xing")
    return found


def recompute_running(*, workspace: Workspace) -> RecomputeRun | None:
    """The workspace's unfinished recompute, if one is queued or running."""
    return (
        RecomputeRun.objects.filter(workspace=workspace, finished_at__isnull=True)
        .order_by("-id")
        .first()
    )


def recompute_run_get(*, workspace: Workspace, pk: int) -> RecomputeRun:
    """One recompute run of the workspace (its progress), or 404."""
    run = RecomputeRun.objects.filter(workspace=workspace, pk=pk).first()
    if run is None:
        raise Http404
    return run


def followup_get_for_person(*, workspace: Workspace, person: Person, pk: int) -> FollowUp:
    """A follow-up a message answers: one of this workspace's, for this person, else 404."""
    row = followup_get(workspace=workspace, pk=pk)
    if row.person_id != person.pk:
        raise Http404
    return row
