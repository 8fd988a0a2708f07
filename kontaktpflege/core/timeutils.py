"""Time helpers: UTC storage, the user's zone for display and day boundaries."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

from django.conf import settings
from django.utils import timezone


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
