"""Time helpers: UTC storage, the user's zone for display and day boundaries."""

from __future__ import annotations

import datetime as dt
from datetime import tzinfo
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone

# The dates anyone may store. Far enough inside datetime's years 1–9999 that converting to
# any time zone (up to ±14 hours, or more in historic local mean time) never overflows.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2200, 12, 31)


def in_date_range(value: dt.date) -> bool:
    """True for a date, or a datetime (naive, or aware in any zone), from 1900 to 2200."""
    day = value.date() if isinstance(value, dt.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        return False  # before converting: near year 1 or 9999 the conversion overflows
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return EARLIEST_DATE <= value.astimezone(dt.UTC).date() <= LATEST_DATE
    return True


def safe_localtime(value: dt.datetime, zone: tzinfo | None = None) -> dt.datetime:
    """An aware datetime in `zone` (default: the active zone), or in UTC where that overflows.

    Only rows stored before dates were bounded can lie so close to year 1 or 9999.
    """
    try:
        return timezone.localtime(value, zone)
    except OverflowError:
        return value.astimezone(dt.UTC)


def user_zone(user: object) -> ZoneInfo:
    """The user's time zone, or the site default."""
    name = getattr(user, "time_zone", "") or settings.DEFAULT_USER_TIME_ZONE
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo(settings.DEFAULT_USER_TIME_ZONE)


def local_today(user: object, now: dt.datetime | None = None) -> dt.date:
    """Today's date in the user's time zone."""
    return (now or timezone.now()).astimezone(user_zone(user)).date()


def local_day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    """The aware UTC instant at which `day` begins in `zone` (DST-safe)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone).astimezone(dt.UTC)


def is_valid_zone(name: str) -> bool:
    """True for an IANA time zone name."""
    return name in _zones()


_ZONES: set[str] = set()


def _zones() -> set[str]:
    if not _ZONES:
        _ZONES.update(available_timezones())
    return _ZONES
