"""The follow-up engine: rules are data, evaluation is pure functions `facts → due items`.

Nothing here touches the database. Services collect facts (people, touchpoints, employment,
occasions, and — from the career workflows — applications and conversations), call
`person_items`/`subject_items`, and reconcile the result with the materialised rows.
Every item's key names the occurrence behind it (rule, person, anchor), so a recompute with
unchanged facts yields the same keys and a closed occurrence is never reopened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Generic, NamedTuple, TypeVar, overload
from zoneinfo import ZoneInfo

from kontaktpflege.contacts.models import DEFAULT_CIRCLE_DAYS

MAX_INTERVAL_DAYS = 3650
T = TypeVar("T")


class _once(Generic[T]):
    """`functools.cached_property` without its lock: on Python 3.11 it takes an RLock on
    each first read, which cost more than the two dates it computes for each person. The
    value goes into the instance's __dict__, which shadows this descriptor afterwards."""

    def __init__(self, fn: Callable[[Any], T]) -> None:
        self.fn, self.name = fn, fn.__name__
        self.__doc__ = fn.__doc__

    @overload
    def __get__(self, obj: None, owner: type) -> _once[T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> T: ...
    def __get__(self, obj: object | None, owner: type) -> T | _once[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fn(obj)
        return value


@dataclass(frozen=True)
class Rule:
    """One rule as data: when it is due after its fact, for how long it stays, its weight."""

    kind: str
    offset_days: int = 0
    window_days: int = 0
    weight: int = 0
    threshold: int = 0
    enabled: bool = True
    scope: str = "person"  # person | application | conversation | candidacy | candidate | workspace


# Defaults from design.md ("Follow-up rules and their defaults"); every number is a setting.
DEFAULT_RULES: dict[str, Rule] = {
    r.kind: r
    for r in (
        # window: "met within the last 7 days"; after it the item expires (seed 001).
        Rule("new_contact", offset_days=3, window_days=7, weight=30),
        Rule("interview_thanks", offset_days=1, weight=40, scope="application"),
        Rule("status_inquiry", offset_days=21, window_days=7, weight=25, scope="application"),
        Rule("feedback_request", offset_days=2, weight=35, scope="application"),
        Rule("conversation_thanks", offset_days=1, weight=35, scope="conversation"),
        Rule("keep_in_touch", weight=0),
        Rule("birthday", offset_days=0, window_days=7, weight=20),
        Rule("job_change", offset_days=7, weight=15),
        Rule("promotion", offset_days=7, weight=15),
        Rule("work_anniversary", offset_days=7, window_days=7, weight=10),
        Rule("media_appearance", offset_days=7, weight=10),
        Rule("custom", offset_days=0, weight=10),
        Rule("reactivation", offset_days=365, weight=5),
        Rule("reciprocity", offset_days=7, weight=10, threshold=2),
        # Recruiting (seed 002): call a finalist after a personal rejection within two days;
        # silver medallists who consented hear from the team every 90 days.
        Rule("rejection_call", offset_days=2, weight=35, scope="candidacy"),
        Rule("silver_medallist_nurture", offset_days=90, weight=10, scope="candidate"),
        Rule("networking_time", offset_days=7, scope="workspace"),
        Rule("core_size", threshold=20, scope="workspace"),
    )
}
EDITABLE_FIELDS = ("offset_days", "window_days", "threshold", "enabled")
CIRCLE_WEIGHT = {"core": 30, "active": 20, "network": 10, "dormant": 5}
# (overdue by at least N days, bonus); mirrored by the agenda's SQL ordering.
OVERDUE_STEPS: tuple[tuple[int, int], ...] = ((30, 30), (14, 20), (7, 10), (1, 5))


class RuleError(ValueError):
    """A rule setting outside its allowed range."""


def rule_overrides_clean(
    overrides: Mapping[str, Mapping[str, Any]] | None,
) -> dict[str, dict[str, Any]]:
    """A workspace's rule overrides, validated and typed (ints for numbers, bools for flags)."""
    clean: dict[str, dict[str, Any]] = {}
    for kind, values in (overrides or {}).items():
        if kind not in DEFAULT_RULES:
            raise RuleError(f"unknown rule {kind!r}")
        changes: dict[str, Any] = {}
        for name, value in values.items():
            if name == "enabled":
                changes[name] = _as_bool(value)
            elif name in EDITABLE_FIELDS:
                number = int(value)
                if isinstance(value, float) and value != number:
                    raise RuleError(f"{kind}.{name} is not a whole number")
                if not 0 <= number <= MAX_INTERVAL_DAYS:
                    raise RuleError(f"{kind}.{name} out of range")
                changes[name] = number
        clean[kind] = changes
    return clean


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in {"true", "1", "on", "yes"}:
        return True
    if isinstance(value, str) and value.lower() in {"false", "0", "off", "no", ""}:
        return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise RuleError(f"not a yes/no value: {value!r}")


def rules_for(overrides: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Rule]:
    """The default rules with a workspace's overrides applied (validated and typed)."""
    rules = dict(DEFAULT_RULES)
    for kind, changes in rule_overrides_clean(overrides).items():
        rules[kind] = replace(rules[kind], **changes)
    return rules


def circle_days_for(overrides: Mapping[str, Any] | None) -> dict[str, int]:
    """Keep-in-touch days per circle with a workspace's overrides (1 day to 10 years)."""
    days = dict(DEFAULT_CIRCLE_DAYS)
    for circle, value in (overrides or {}).items():
        if circle not in days:
            raise RuleError(f"unknown circle {circle!r}")
        if not 1 <= int(value) <= MAX_INTERVAL_DAYS:
            raise RuleError(f"{circle} interval out of range")
        days[circle] = int(value)
    return days


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccasionFact:
    """A recorded occasion (promotion, media appearance, custom)."""

    id: int
    kind: str
    on: dt.date
    note: str = ""


@dataclass
class PersonFacts:
    """Everything the person-level rules look at, for one person.

    Not frozen, though nothing changes it: a frozen dataclass sets each of these 30 fields
    with a Python call, 10.3 µs a person against 3.7 µs (a recompute at scale L builds a
    million)."""

    person_id: int
    name: str
    circle: str
    interval_days: int
    created_at: dt.datetime
    zone: ZoneInfo
    is_self: bool = False
    is_target: bool = False
    target_priority: int = 3
    organisation: str = ""
    met_on: dt.date | None = None
    known_since: dt.date | None = None
    imported: bool = False
    first_touch_at: dt.datetime | None = None
    first_touch_met: bool = False  # the first touchpoint was a meeting (in person)
    last_touch_at: dt.datetime | None = None
    touch_count: int = 0
    gives: int = 0
    takes: int = 0
    last_take_id: int | None = None
    last_take_at: dt.datetime | None = None
    birthday: tuple[int, int, int | None] | None = None  # day, month, year
    job_id: int | None = None
    job_start: dt.date | None = None
    job_title: str = ""
    # The current position follows an earlier one at the same organisation: a promotion.
    job_is_promotion: bool = False
    # The first position at the current organisation: work anniversaries count from it.
    tenure_id: int | None = None
    tenure_start: dt.date | None = None
    occasions: tuple[OccasionFact, ...] = ()

    # Days in the person's zone, which several rules ask for: worked out once per person.
    @_once
    def last_touch_on(self) -> dt.date | None:
        """The day of the last touchpoint, or None."""
        return local_date(self.last_touch_at, self.zone) if self.last_touch_at else None

    @_once
    def created_on(self) -> dt.date:
        """The day the person was recorded."""
        return local_date(self.created_at, self.zone)


@dataclass(frozen=True)
class InterviewFacts:
    """An interview of an application, from the career workflows."""

    interview_id: int
    at: dt.datetime
    thanked: bool = False
    # Whom to thank (the interviewer); None: the application's person.
    person_id: int | None = None
    person_name: str = ""


@dataclass(frozen=True)
class ApplicationFacts:
    """An application as the engine sees it; provided by the career workflows."""

    application_id: int
    person_id: int
    person_name: str
    organisation: str
    position: str = ""
    stage: str = "applied"
    interviews: tuple[InterviewFacts, ...] = ()
    applied_on: dt.date | None = None
    # The last touchpoint of any kind with any contact of the application.
    last_reply_on: dt.date | None = None
    rejected_on: dt.date | None = None
    feedback_requested: bool = False


@dataclass(frozen=True)
class ConversationFacts:
    """A network conversation (seed 003); provided by the career workflows."""

    conversation_id: int
    person_id: int
    person_name: str
    held_at: dt.datetime
    thanked: bool = False
    debriefed: bool = False


@dataclass(frozen=True)
class CandidacyFacts:
    """A candidacy rejected with personal feedback (recruiting, seed 002)."""

    candidacy_id: int
    rejection_id: int
    person_id: int
    person_name: str
    opening: str
    rejected_at: dt.datetime
    # A call (or meeting) with the candidate on or after the rejection day.
    called: bool = False


@dataclass(frozen=True)
class CandidateFacts:
    """A silver medallist who consented to hear from the team (recruiting, seed 002)."""

    person_id: int
    person_name: str
    rejected_at: dt.datetime  # the latest rejection
    last_touch_at: dt.datetime | None = None


SubjectFacts = ApplicationFacts | ConversationFacts | CandidacyFacts | CandidateFacts


class DueItem(NamedTuple):
    """What a rule produces: due date, base priority and the reason's parameters.

    A named tuple: a recompute makes one per item (2.5 million at scale L), and a frozen
    dataclass costs a Python call per field to build."""

    rule: str
    key: str
    person_id: int
    due_on: dt.date
    priority: int
    params: dict[str, Any]
    window_end: dt.date | None = None
    subject: str = ""


# --- helpers -----------------------------------------------------------------------------


def local_date(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The calendar date of an aware instant in a zone (DST-safe)."""
    return moment.astimezone(zone).date()


def base_priority(rule: Rule, circle: str, is_target: bool, target_priority: int = 3) -> int:
    """Priority without lateness: rule (occasion kind), circle and target company."""
    score = rule.weight + CIRCLE_WEIGHT.get(circle, 10)
    if is_target:
        score += 10 + (5 - min(max(target_priority, 1), 5)) * 2
    return score


def overdue_bonus(days_overdue: int) -> int:
    """Extra priority for lateness, in steps."""
    for days, bonus in OVERDUE_STEPS:
        if days_overdue >= days:
            return bonus
    return 0


# Suggestions, not obligations (design.md "Obligations and suggestions"): they are
# "suggested" or "since …", never overdue, and waiting does not make them more urgent.
SUGGESTIONS = frozenset(
    {
        "reactivation",
        "reciprocity",
        "birthday",
        "job_change",
        "promotion",
        "work_anniversary",
        "media_appearance",
        "custom",
        "silver_medallist_nurture",
    }
)
NO_LATENESS_BONUS = SUGGESTIONS
# Channels that count as meeting someone (the 72-hour rule is about a first meeting).
MEETING_CHANNELS = ("meeting", "event", "group_meeting")


def is_suggestion(rule: str) -> bool:
    """True for suggestions (never overdue), False for obligations."""
    return rule in SUGGESTIONS


def effective_priority(priority: int, due_on: dt.date, today: dt.date, rule: str = "") -> int:
    """Base priority plus the lateness bonus as of today (none for suggestions)."""
    if rule in NO_LATENESS_BONUS:
        return priority
    return priority + overdue_bonus((today - due_on).days)


def anniversary(month: int, day: int, year: int) -> dt.date:
    """The date of an anniversary in a year; 29 February falls on 28 February otherwise."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return dt.date(year, month, 28)


def _item(
    rule: Rule,
    f: PersonFacts,
    anchor: str,
    due: dt.date,
    params: dict[str, Any],
    window_end: dt.date | None = None,
) -> DueItem:
    return DueItem(
        rule.kind,
        f"{rule.kind}:{f.person_id}:{anchor}",
        f.person_id,
        due,
        base_priority(rule, f.circle, f.is_target, f.target_priority),
        {"name": f.name, **params},
        window_end,
    )


def _touched_since(f: PersonFacts, day: dt.date) -> bool:
    last = f.last_touch_on
    return last is not None and last >= day


# --- person rules ------------------------------------------------------------------------


def rule_new_contact(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """72 hours after meeting someone new (seed 001), until answered; only new acquaintances.

    New means "met on" lies within the last `window_days` (7), or the user recorded the
    person around a first in-person meeting in that window. Imported people and people
    known for longer (known since, met on, or recorded long before the first touch) are
    not new. After the window the item expires instead of turning "19 days overdue".
    """
    if f.is_self or f.imported or f.circle == "unsorted":
        return []
    first = _first_meeting(f, rule)
    if first is None:
        return []
    met, due, answered = first
    window_end = met + dt.timedelta(days=rule.window_days)
    known_before = f.known_since is not None and f.known_since < met - dt.timedelta(days=1)
    if answered or known_before or today > window_end:
        return []
    params = {"met_on": met.isoformat()}
    return [_item(rule, f, met.isoformat(), due, params, window_end=window_end)]


def _first_meeting(f: PersonFacts, rule: Rule) -> tuple[dt.date, dt.date, bool] | None:
    """(met on, due on, already answered) of the first meeting, or None when there is none."""
    if f.met_on is None and not f.first_touch_met:
        return None
    first_touch = local_date(f.first_touch_at, f.zone) if f.first_touch_at else None
    if f.met_on and (first_touch is None or f.met_on < first_touch):
        return f.met_on, f.met_on + dt.timedelta(days=rule.offset_days), f.touch_count >= 1
    if f.first_touch_at is None or first_touch is None or not f.first_touch_met:
        return None
    # Recorded by the user around the meeting, not someone known for years logged at last.
    recorded = f.created_on
    if abs((first_touch - recorded).days) > rule.window_days:
        return None
    # Elapsed hours, not wall-clock days: add in UTC so a DST change cannot shorten it.
    elapsed = f.first_touch_at.astimezone(dt.UTC) + dt.timedelta(days=rule.offset_days)
    return first_touch, local_date(elapsed, f.zone), f.touch_count >= 2


def rule_keep_in_touch(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """Due `interval` days after the last touchpoint of any kind (or since added)."""
    if f.is_self or f.circle in ("dormant", "unsorted"):
        return []
    last = f.last_touch_on
    anchor = last or f.created_on
    due = anchor + dt.timedelta(days=f.interval_days)
    params = {
        "last": last.isoformat() if last else None,
        "added": anchor.isoformat(),
        "circle": f.circle,
        "interval": f.interval_days,
    }
    return [_item(rule, f, _anchor_key(last, anchor), due, params)]


def _anchor_key(last: dt.date | None, anchor: dt.date) -> str:
    # "added" and "last touched" on the same day are different occurrences.
    return anchor.isoformat() if last else f"added-{anchor.isoformat()}"


def rule_reactivation(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """A dormant contact without a touchpoint for a year: suggest reactivating (seed 004)."""
    if f.is_self or f.circle != "dormant":
        return []  # a logged conversation moves them to a circle, and this goes away
    last = f.last_touch_on
    anchor = last or f.created_on
    due = anchor + dt.timedelta(days=rule.offset_days)
    params = {"last": last.isoformat() if last else None, "added": anchor.isoformat()}
    return [_item(rule, f, _anchor_key(last, anchor), due, params)]


def _next_occurrence(
    month: int, day: int, today: dt.date, rule: Rule, f: PersonFacts, first_year: int
) -> dt.date | None:
    """The first occurrence not yet expired (due + window) and not answered by a touch.

    Only a touch on the day or after answers it: a call the day before does not count as
    the congratulation.
    """
    last = f.last_touch_on
    # Expired: due (occurrence + offset) + window < today, i.e. occurrence < earliest.
    earliest = today - dt.timedelta(days=rule.offset_days + rule.window_days)
    # No occurrence of a year before the earliest one's is still open.
    for year in range(max(today.year - 1, earliest.year, first_year), today.year + 2):
        occ = anniversary(month, day, year)
        if occ >= earliest and (last is None or last < occ):
            return occ
    return None


def rule_birthday(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """On the birthday (with or without a year of birth)."""
    if f.birthday is None or f.is_self:
        return []
    day, month, year = f.birthday
    occ = _next_occurrence(month, day, today, rule, f, (year or 1900) + 1)
    if occ is None:
        return []
    params = {"on": occ.isoformat(), "age": occ.year - year if year else None}
    return [_item(rule, f, str(occ.year), occ + dt.timedelta(days=rule.offset_days), params)]


def rule_work_anniversary(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """Within a week of a full year at the current employer, counted from the first position."""
    start = f.tenure_start or f.job_start
    tenure = f.tenure_id if f.tenure_start else f.job_id
    if start is None or f.is_self:
        return []
    occ = _next_occurrence(start.month, start.day, today, rule, f, start.year + 1)
    if occ is None:
        return []
    params = {"on": occ.isoformat(), "years": occ.year - start.year, "org": f.organisation}
    due = occ + dt.timedelta(days=rule.offset_days)
    return [_item(rule, f, f"{tenure}:{occ.year}", due, params)]


def _new_position(f: PersonFacts) -> bool:
    """A current position that began after we knew the person and no touch since."""
    if f.job_start is None or f.job_id is None or f.is_self:
        return False
    return f.job_start >= f.created_on and not _touched_since(f, f.job_start)


def rule_job_change(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """A move to another organisation recorded after we knew the person."""
    if f.job_is_promotion or not _new_position(f):
        return []
    assert f.job_start is not None
    due = f.job_start + dt.timedelta(days=rule.offset_days)
    params = {"on": f.job_start.isoformat(), "org": f.organisation}
    return [_item(rule, f, str(f.job_id), due, params)]


def rule_promotion(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """A new position at the same organisation is a promotion, not a job change."""
    if not f.job_is_promotion or not _new_position(f):
        return []
    assert f.job_start is not None
    due = f.job_start + dt.timedelta(days=rule.offset_days)
    params = {"on": f.job_start.isoformat(), "org": f.organisation, "title": f.job_title}
    return [_item(rule, f, f"job-{f.job_id}", due, params)]


def rule_occasions(f: PersonFacts, rules: Mapping[str, Rule], today: dt.date) -> list[DueItem]:
    """Promotions, media appearances and custom occasions; answered by a later touchpoint."""
    items = []
    for occ in f.occasions:
        rule = rules.get(occ.kind)
        if rule is None or not rule.enabled or _touched_since(f, occ.on):
            continue
        due = occ.on + dt.timedelta(days=rule.offset_days)
        params = {"on": occ.on.isoformat(), "note": occ.note}
        items.append(_item(rule, f, str(occ.id), due, params))
    return items


def rule_reciprocity(f: PersonFacts, rule: Rule, today: dt.date) -> list[DueItem]:
    """The user took `threshold` more than they gave: suggest giving something first."""
    if f.is_self or f.takes - f.gives < max(rule.threshold, 1) or f.last_take_at is None:
        return []
    due = local_date(f.last_take_at, f.zone) + dt.timedelta(days=rule.offset_days)
    params = {"takes": f.takes, "gives": f.gives}
    return [_item(rule, f, str(f.last_take_id), due, params)]


PERSON_RULES: dict[str, Callable[[PersonFacts, Rule, dt.date], list[DueItem]]] = {
    "new_contact": rule_new_contact,
    "keep_in_touch": rule_keep_in_touch,
    "reactivation": rule_reactivation,
    "birthday": rule_birthday,
    "work_anniversary": rule_work_anniversary,
    "job_change": rule_job_change,
    "promotion": rule_promotion,
    "reciprocity": rule_reciprocity,
}


def person_items(f: PersonFacts, rules: Mapping[str, Rule], today: dt.date) -> list[DueItem]:
    """Every due item of one person under the (enabled) rules.

    Unsorted (imported, not yet chosen) people have none: Today offers one triage item for
    all of them instead.
    """
    return people_items([f], rules, today)


def people_items(
    facts: Iterable[PersonFacts], rules: Mapping[str, Rule], today: dt.date
) -> list[DueItem]:
    """`person_items` of many people, in their order (the enabled rules looked up once)."""
    enabled = [(fn, rules[kind]) for kind, fn in PERSON_RULES.items() if rules[kind].enabled]
    items: list[DueItem] = []
    extend = items.extend
    for f in facts:
        if f.circle == "unsorted":
            continue
        for fn, rule in enabled:
            extend(fn(f, rule, today))
        if f.occasions:
            extend(rule_occasions(f, rules, today))
    return items


# --- career workflow rules (applications and conversations) -------------------------------


def _subject_item(
    rule: Rule, subject: str, person_id: int, anchor: str, due: dt.date, params: dict[str, Any]
) -> DueItem:
    return DueItem(
        rule=rule.kind,
        key=f"{rule.kind}:{person_id}:{subject}:{anchor}",
        person_id=person_id,
        due_on=due,
        priority=rule.weight + CIRCLE_WEIGHT["active"],
        params=params,
        subject=subject,
        window_end=due + dt.timedelta(days=rule.window_days) if rule.window_days else None,
    )


def rule_interview_thanks(a: ApplicationFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """A thank-you by the day after each interview (seed 000), to its interviewer."""
    items = []
    subject = f"application:{a.application_id}"
    for iv in a.interviews:
        if iv.thanked:
            continue
        held = local_date(iv.at, zone)
        person_id = iv.person_id or a.person_id
        name = iv.person_name if iv.person_id else a.person_name
        params = {"name": name, "org": a.organisation, "on": held.isoformat()}
        due = held + dt.timedelta(days=rule.offset_days)
        items.append(_subject_item(rule, subject, person_id, str(iv.interview_id), due, params))
    return items


# Stages in which an answer is still awaited; later ones (offer, rejected …) are an answer.
AWAITING_STAGES = ("applied", "interview", "waiting")


def rule_status_inquiry(a: ApplicationFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """Nothing heard 21 days after the last interview, or after applying when there was no
    interview: a friendly inquiry (window to 28 days) (seed 000: "nach rund drei bis vier
    Wochen").

    Any touchpoint with a contact of the application restarts the clock from its day: a new
    anchor is a new occurrence, so the old item closes as answered and a new one waits.
    """
    if a.stage not in AWAITING_STAGES:
        return []
    if a.interviews:
        anchor, since = max(local_date(iv.at, zone) for iv in a.interviews), "interview"
    elif a.applied_on is not None:
        anchor, since = a.applied_on, "application"
    else:
        return []
    if a.last_reply_on is not None and a.last_reply_on > anchor:
        anchor, since = a.last_reply_on, "reply"
    params = {"name": a.person_name, "org": a.organisation, "on": anchor.isoformat()}
    params["since"] = since
    due = anchor + dt.timedelta(days=rule.offset_days)
    subject = f"application:{a.application_id}"
    return [_subject_item(rule, subject, a.person_id, anchor.isoformat(), due, params)]


def rule_feedback_request(a: ApplicationFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """Within two days of a rejection: ask for a short call with feedback."""
    if a.stage != "rejected" or a.rejected_on is None or a.feedback_requested:
        return []
    params = {"name": a.person_name, "org": a.organisation, "on": a.rejected_on.isoformat()}
    due = a.rejected_on + dt.timedelta(days=rule.offset_days)
    subject = f"application:{a.application_id}"
    return [_subject_item(rule, subject, a.person_id, a.rejected_on.isoformat(), due, params)]


def rule_conversation_thanks(c: ConversationFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """Same or next day after a network conversation: thank and debrief (seed 003)."""
    if c.thanked and c.debriefed:
        return []
    held = local_date(c.held_at, zone)
    params = {
        "name": c.person_name,
        "on": held.isoformat(),
        "thanked": c.thanked,
        "debriefed": c.debriefed,
    }
    due = held + dt.timedelta(days=rule.offset_days)
    subject = f"conversation:{c.conversation_id}"
    return [_subject_item(rule, subject, c.person_id, held.isoformat(), due, params)]


def rule_rejection_call(c: CandidacyFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """Within two days of a personal rejection: call the candidate to explain the decision
    (seed 002: "Rufen Sie die Kandidat:innen an … und fassen Sie … in einer E-Mail zusammen")."""
    if c.called:
        return []
    day = local_date(c.rejected_at, zone)
    params = {"name": c.person_name, "opening": c.opening, "on": day.isoformat()}
    due = day + dt.timedelta(days=rule.offset_days)
    subject = f"candidacy:{c.candidacy_id}"
    return [_subject_item(rule, subject, c.person_id, str(c.rejection_id), due, params)]


def rule_silver_medallist_nurture(f: CandidateFacts, rule: Rule, zone: ZoneInfo) -> list[DueItem]:
    """Every 90 days after the last contact (the rejection at first): relevant news for a
    silver medallist who consented (seed 002: "Der richtige Inhalt, zur richtigen Zeit").

    Each contact is a new anchor, so answering one item makes the next one 90 days later.
    """
    anchor = local_date(f.rejected_at, zone)
    if f.last_touch_at is not None:
        anchor = max(anchor, local_date(f.last_touch_at, zone))
    params = {"name": f.person_name, "on": anchor.isoformat()}
    due = anchor + dt.timedelta(days=rule.offset_days)
    subject = f"candidate:{f.person_id}"
    return [_subject_item(rule, subject, f.person_id, anchor.isoformat(), due, params)]


APPLICATION_RULES = {
    "interview_thanks": rule_interview_thanks,
    "status_inquiry": rule_status_inquiry,
    "feedback_request": rule_feedback_request,
}


def subject_items(
    facts: Iterable[SubjectFacts],
    rules: Mapping[str, Rule],
    zone: ZoneInfo,
) -> list[DueItem]:
    """Due items from applications, conversations and the recruiting side's candidacies."""
    items: list[DueItem] = []
    for fact in facts:
        if isinstance(fact, ApplicationFacts):
            for kind, fn in APPLICATION_RULES.items():
                if rules[kind].enabled:
                    items.extend(fn(fact, rules[kind], zone))
        elif isinstance(fact, CandidacyFacts):
            if rules["rejection_call"].enabled:
                items.extend(rule_rejection_call(fact, rules["rejection_call"], zone))
        elif isinstance(fact, CandidateFacts):
            if rules["silver_medallist_nurture"].enabled:
                rule = rules["silver_medallist_nurture"]
                items.extend(rule_silver_medallist_nurture(fact, rule, zone))
        elif rules["conversation_thanks"].enabled:
            items.extend(rule_conversation_thanks(fact, rules["conversation_thanks"], zone))
    return items


# --- workspace rules ---------------------------------------------------------------------


def core_circle_warning(core_count: int, rules: Mapping[str, Rule]) -> bool:
    """More people in the core circle than the threshold (20): quality over quantity."""
    rule = rules["core_size"]
    return rule.enabled and core_count > rule.threshold


def networking_block(
    today: dt.date, weekday: int, at: dt.time, minutes: int, zone: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """The next weekly networking block (start, end) in the user's zone, from today on."""
    day = today + dt.timedelta(days=(weekday - today.weekday()) % 7)
    start = dt.datetime.combine(day, at, tzinfo=zone)
    return start, start + dt.timedelta(minutes=minutes)
