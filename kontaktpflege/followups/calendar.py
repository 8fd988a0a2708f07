"""The private calendar feed (RFC 5545): due follow-ups, birthdays, the networking block."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vRecur

from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.followups import engine, selectors
from kontaktpflege.followups.models import NotificationSettings
from kontaktpflege.followups.reasons import reason
from kontaktpflege.followups.services import workspace_today

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def _all_day(uid: str, day: dt.date, summary: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("transp", "TRANSPARENT")
    return event


def _followup_events(cal: Calendar, row: NotificationSettings, today: dt.date, stamp: dt.datetime):
    host = settings.SITE_URL.rstrip("/")
    for f in selectors.feed_followups(workspace=row.workspace, today=today):
        event = _all_day(
            f"followup-{f.pk}@kontaktpflege",
            f.due_on,
            f"{f.person.full_name}: {reason(f.rule, f.params, today)}",
            stamp,
        )
        event.add("url", f"{host}/people/{f.person_id}/")
        cal.add_component(event)


def _birthday_events(cal: Calendar, row: NotificationSettings, stamp: dt.datetime) -> None:
    for p in selectors.birthdays(workspace=row.workspace):
        first = engine.anniversary(p.birthday_month or 1, p.birthday_day or 1, 2000)
        event = _all_day(
            f"birthday-{p.pk}@kontaktpflege",
            first,
            _("Birthday: %(name)s") % {"name": p.full_name},
            stamp,
        )
        event.add("rrule", vRecur(freq="YEARLY"))
        cal.add_component(event)


def _networking_event(
    cal: Calendar, row: NotificationSettings, today: dt.date, stamp: dt.datetime
) -> None:
    zone = user_zone(row.user)
    start, end = engine.networking_block(
        today, row.networking_weekday, row.networking_time, row.networking_minutes, zone
    )
    event = Event()
    event.add("uid", f"networking-{row.pk}@kontaktpflege")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _("Networking time"))
    event.add("description", _("Fixed weekly time to get in touch with people (seed 001)."))
    event.add("rrule", vRecur(freq="WEEKLY", byday=WEEKDAY_CODES[row.networking_weekday]))
    cal.add_component(event)


def feed(*, row: NotificationSettings, now: dt.datetime) -> bytes:
    """The feed of one user in one workspace, texts in the user's language."""
    today = workspace_today(row.workspace, now)  # due dates are the workspace's dates
    stamp = now.astimezone(dt.UTC)
    cal = Calendar()
    cal.add("prodid", "-//Kontaktpflege//Follow-ups//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    with translation.override(row.user.language):
        cal.add("x-wr-calname", _("Kontaktpflege follow-ups"))
        _followup_events(cal, row, today, stamp)
        _birthday_events(cal, row, stamp)
        _networking_event(cal, row, today, stamp)
    cal.add_missing_timezones()
    return cal.to_ical()
