"""Figures for the insights page: how healthy the network is, how punctual the follow-ups,
how balanced give and take, how busy each channel.

Every figure is one aggregate query (GROUP BY in the database); Python only lays the few
result rows out as labels and series, so the cost does not grow with the number of people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.contacts.models import CHOSEN_CIRCLES, Channel, Circle, Person
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.touchpoints.models import GiveTake, Touchpoint

MONTHS = 12
# Follow-ups whose point is speed: the 72-hour rule and thanking after a conversation.
PROMPT_RULES = ("new_contact", "interview_thanks", "conversation_thanks")
# Upper bounds (days since the last touch) of the health buckets; the last is open-ended.
AGE_BOUNDS = (30, 90, 180, 365)


@dataclass
class Series:
    """One line, bar group or slice set of a chart."""

    key: str
    label: str
    data: list[int | float]


@dataclass
class Figure:
    """A chart and its table: row labels along x, one series per column."""

    key: str
    title: str
    kind: str  # "bar", "stacked", "line"
    labels: list[str]
    series: list[Series] = field(default_factory=list)
    unit: str = ""
    charted: tuple[str, ...] = ()  # the series the chart draws (all when empty); the table has all

    @property
    def empty(self) -> bool:
        return not any(v for s in self.series for v in s.data)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "unit": self.unit,
            "labels": self.labels,
            "series": [
                s.__dict__ for s in self.series if not self.charted or s.key in self.charted
            ],
        }

    def rows(self) -> list[tuple[str, list[int | float]]]:
        """The table: one row per label with the series' values."""
        return [(label, [s.data[i] for s in self.series]) for i, label in enumerate(self.labels)]


def month_starts(today: dt.date, count: int = MONTHS) -> list[dt.date]:
    """The first days of the last `count` months, oldest first, this month last."""
    year, month = today.year, today.month
    out = []
    for _i in range(count):
        out.append(dt.date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def _month_label(day: dt.date) -> str:
    return formats.date_format(day, "M Y")


def _as_date(value: Any) -> dt.date:
    """TruncMonth gives a date for date columns and an aware datetime for datetime ones."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def network_health(*, workspace: Workspace, now: dt.datetime | None = None) -> Figure:
    """People per circle by days since the last touch (never touched in its own column)."""
    now = now or timezone.now()
    cuts = [now - dt.timedelta(days=d) for d in AGE_BOUNDS]
    buckets: dict[str, Q] = {"b0": Q(last_touched_at__gte=cuts[0])}
    for i in range(1, len(cuts)):
        buckets[f"b{i}"] = Q(last_touched_at__lt=cuts[i - 1], last_touched_at__gte=cuts[i])
    buckets[f"b{len(cuts)}"] = Q(last_touched_at__lt=cuts[-1])
    buckets["never"] = Q(last_touched_at__isnull=True)
    rows = {
        r["circle"]: r
        for r in Person.objects.filter(workspace=workspace, user__isnull=True)
        .values("circle")
        .order_by("circle")
        .annotate(**{k: Count("id", filter=q) for k, q in buckets.items()})
    }
    names = [
        _("up to 30 days"),
        _("31–90 days"),
        _("91–180 days"),
        _("181–365 days"),
        _("over a year"),
        _("never"),
    ]
    circles = [*CHOSEN_CIRCLES, "unsorted"]
    labels = dict(Circle.choices)
    series = [
        Series(key, name, [rows.get(c, {}).get(key, 0) for c in circles])
        for key, name in zip(buckets, names, strict=True)
    ]
    return Figure(
        key="health",
        title=_("Network health: people by days since the last touch"),
        kind="stacked",
        labels=[str(labels[c]) for c in circles],
        series=series,
        unit=_("people"),
    )


def followup_discipline(*, workspace: Workspace, today: dt.date) -> Figure:
    """Per month of the due date: the share of 72-hour follow-ups and thank-yous done on time.

    An item counts once it is due or closed; on time means done no later than its original
    due date (a snooze does not move that).
    """
    months = month_starts(today)
    rows = (
        FollowUp.objects.filter(
            workspace=workspace, rule__in=PROMPT_RULES, original_due_on__gte=months[0]
        )
        .filter(Q(original_due_on__lt=today) | ~Q(state__in=(State.OPEN, State.SNOOZED)))
        .annotate(month=TruncMonth("original_due_on"))
        .values("month")
        .order_by("month")
        .annotate(
            total=Count("id"),
            on_time=Count(
                "id", filter=Q(state=State.DONE, closed_at__date__lte=F("original_due_on"))
            ),
        )
    )
    by_month = {_as_date(r["month"]): r for r in rows}
    share, due, done = [], [], []
    for m in months:
        r = by_month.get(m, {"total": 0, "on_time": 0})
        due.append(r["total"])
        done.append(r["on_time"])
        share.append(round(100 * r["on_time"] / r["total"]) if r["total"] else 0)
    return Figure(
        key="discipline",
        title=_("Follow-up discipline: 72-hour follow-ups and thank-yous done on time"),
        kind="bar",
        labels=[_month_label(m) for m in months],
        series=[
            Series("share", _("on time (%)"), share),
            Series("due", _("due"), due),
            Series("on_time", _("done on time"), done),
        ],
        unit="%",
        charted=("share",),
    )


def _touchpoints_since(workspace: Workspace, start: dt.date) -> Any:
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)  # type: ignore[arg-type]
    return Touchpoint.objects.filter(workspace=workspace, occurred_at__gte=since).annotate(
        month=TruncMonth("occurred_at")
    )


def give_and_take(*, workspace: Workspace, today: dt.date) -> Figure:
    """Per month: touchpoints where I gave and where I received."""
    months = month_starts(today)
    rows = (
        _touchpoints_since(workspace, months[0])
        .values("month")
        .order_by("month")
        .annotate(
            give=Count("id", filter=Q(give_take=GiveTake.GIVE)),
            take=Count("id", filter=Q(give_take=GiveTake.TAKE)),
        )
    )
    by_month = {_as_date(r["month"]): r for r in rows}
    return Figure(
        key="give_take",
        title=_("Give and take"),
        kind="bar",
        labels=[_month_label(m) for m in months],
        series=[
            Series("give", _("I gave"), [by_month.get(m, {}).get("give", 0) for m in months]),
            Series("take", _("I received"), [by_month.get(m, {}).get("take", 0) for m in months]),
        ],
        unit=_("touchpoints"),
    )


def touchpoints_by_channel(*, workspace: Workspace, today: dt.date) -> Figure:
    """Per month: touchpoints by channel (only channels used in the period)."""
    months = month_starts(today)
    rows = (
        _touchpoints_since(workspace, months[0])
        .values("month", "channel")
        .order_by("month", "channel")
        .annotate(n=Count("id"))
    )
    counts: dict[tuple[dt.date, str], int] = {
        (_as_date(r["month"]), r["channel"]): r["n"] for r in rows
    }
    used = [c for c in Channel.values if any(k[1] == c for k in counts)]
    labels = dict(Channel.choices)
    return Figure(
        key="channels",
        title=_("Touchpoints per month by channel"),
        kind="stacked",
        labels=[_month_label(m) for m in months],
        series=[Series(c, str(labels[c]), [counts.get((m, c), 0) for m in months]) for c in used],
        unit=_("touchpoints"),
    )


def insights(*, workspace: Workspace, today: dt.date) -> list[Figure]:
    """The insights page's figures (the application funnel is added by the interfaces)."""
    return [
        network_health(workspace=workspace),
        followup_discipline(workspace=workspace, today=today),
        give_and_take(workspace=workspace, today=today),
        touchpoints_by_channel(workspace=workspace, today=today),
    ]
