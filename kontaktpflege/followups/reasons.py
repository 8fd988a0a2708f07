"""One sentence per due item, in the reader's language, rendered from the stored parameters.

Parameters are stored (not text), so the sentence follows the reader's language and "94 days
ago" stays true on the day it is read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext


def circle_label(circle: str) -> str:
    """The circle's name as it reads inside a sentence."""
    labels = {
        "core": pgettext("circle in a sentence", "core"),
        "active": pgettext("circle in a sentence", "active"),
        "network": pgettext("circle in a sentence", "network"),
        "dormant": pgettext("circle in a sentence", "dormant"),
    }
    return labels.get(circle, circle)


def _day(value: str | None) -> str:
    if not value:
        return ""
    return formats.date_format(dt.date.fromisoformat(value), "MONTH_DAY_FORMAT")


def _days_since(value: str | None, today: dt.date) -> int:
    return (today - dt.date.fromisoformat(value)).days if value else 0


def _span(days: int) -> tuple[str, int]:
    """How long, in the unit a person would say: days up to four months, then months, then
    years from two years on ("over 11 years", never "4170 days")."""
    if days < 120:
        return "days", days
    if days < 730:
        return "months", days // 30
    return "years", days // 365


def _keep_in_touch(p: dict[str, Any], today: dt.date) -> str:
    values = {
        "name": p["name"],
        "circle": circle_label(p.get("circle", "")),
        "interval": p.get("interval", 0),
    }
    if p.get("last"):
        return _since_last(values, _days_since(p["last"], today))
    unit, n = _span(_days_since(p.get("added"), today))
    values["n"] = n
    if unit == "years":
        return (
            ngettext(
                "%(name)s was added over %(n)s year ago, no contact since (circle: %(circle)s, "
                "every %(interval)s days)",
                "%(name)s was added over %(n)s years ago, no contact since (circle: %(circle)s, "
                "every %(interval)s days)",
                n,
            )
            % values
        )
    if unit == "months":
        return (
            ngettext(
                "%(name)s was added %(n)s month ago, no contact since (circle: %(circle)s, every "
                "%(interval)s days)",
                "%(name)s was added %(n)s months ago, no contact since (circle: %(circle)s, every "
                "%(interval)s days)",
                n,
            )
            % values
        )
    if n == 0:
        return (
            _(
                "%(name)s was added today, no contact yet (circle: %(circle)s, every %(interval)s "
                "days)"
            )
            % values
        )
    return ngettext(
        "%(name)s was added %(days)s day ago, no contact since (circle: %(circle)s, every "
        "%(interval)s days)",
        "%(name)s was added %(days)s days ago, no contact since (circle: %(circle)s, every "
        "%(interval)s days)",
        n,
    ) % {**values, "days": n}


def _since_last(values: dict[str, Any], days: int) -> str:
    unit, n = _span(days)
    values = {**values, "n": n}
    if unit == "years":
        return (
            ngettext(
                "No contact with %(name)s for over %(n)s year (circle: %(circle)s, every "
                "%(interval)s days)",
                "No contact with %(name)s for over %(n)s years (circle: %(circle)s, every "
                "%(interval)s days)",
                n,
            )
            % values
        )
    if unit == "months":
        return (
            ngettext(
                "No contact with %(name)s for %(n)s month (circle: %(circle)s, every "
                "%(interval)s days)",
                "No contact with %(name)s for %(n)s months (circle: %(circle)s, every "
                "%(interval)s days)",
                n,
            )
            % values
        )
    if n == 0:
        return _(
            "Last contact with %(name)s today (circle: %(circle)s, every %(interval)s days)"
        ) % (values)
    return ngettext(
        "Last contact with %(name)s %(days)s day ago (circle: %(circle)s, every %(interval)s days)",
        "Last contact with %(name)s %(days)s days ago (circle: %(circle)s, every "
        "%(interval)s days)",
        n,
    ) % {**values, "days": n}


def _new_contact(p: dict[str, Any], today: dt.date) -> str:
    return _(
        "You met %(name)s on %(date)s: send a personal note within 72 hours, ideally "
        "proposing the next meeting"
    ) % {"name": p["name"], "date": _day(p.get("met_on"))}


def _reactivation(p: dict[str, Any], today: dt.date) -> str:
    unit, n = _span(_days_since(p.get("last") or p.get("added"), today))
    if unit == "years":
        return ngettext(
            "No contact with %(name)s for over %(n)s year: reactivate, and offer help before "
            "asking for any",
            "No contact with %(name)s for over %(n)s years: reactivate, and offer help before "
            "asking for any",
            n,
        ) % {"name": p["name"], "n": n}
    months = n if unit == "months" else 0
    return ngettext(
        "No contact with %(name)s for %(months)s month: reactivate, and offer help before "
        "asking for any",
        "No contact with %(name)s for %(months)s months: reactivate, and offer help before "
        "asking for any",
        months,
    ) % {"name": p["name"], "months": months}


def _birthday(p: dict[str, Any], today: dt.date) -> str:
    values = {"name": p["name"], "date": _day(p.get("on")), "age": p.get("age")}
    if p.get("age"):
        return _("%(name)s turns %(age)s on %(date)s") % values
    return _("%(name)s has a birthday on %(date)s") % values


def _work_anniversary(p: dict[str, Any], today: dt.date) -> str:
    years = p.get("years", 1)
    return ngettext(
        "%(name)s celebrates %(years)s year at %(org)s on %(date)s",
        "%(name)s celebrates %(years)s years at %(org)s on %(date)s",
        years,
    ) % {"name": p["name"], "years": years, "org": p.get("org") or "—", "date": _day(p.get("on"))}


def _job_change(p: dict[str, Any], today: dt.date) -> str:
    return _("%(name)s started at %(org)s on %(date)s: congratulate within a week") % {
        "name": p["name"],
        "org": p.get("org") or "—",
        "date": _day(p.get("on")),
    }


def _occasion(label: Callable[[], str]) -> Callable[[dict[str, Any], dt.date], str]:
    def render(p: dict[str, Any], today: dt.date) -> str:
        text = _("%(occasion)s of %(name)s on %(date)s: get in touch within a week") % {
            "occasion": label(),
            "name": p["name"],
            "date": _day(p.get("on")),
        }
        return f"{text} ({p['note']})" if p.get("note") else text

    return render


def _promotion(p: dict[str, Any], today: dt.date) -> str:
    """A recorded promotion (occasion), or a new position at the same organisation."""
    if not p.get("title"):
        return _occasion(lambda: _("Promotion"))(p, today)
    return _(
        "%(name)s has a new role at %(org)s since %(date)s: congratulate on the new role as "
        "%(title)s"
    ) % {
        "name": p["name"],
        "org": p.get("org") or "—",
        "date": _day(p.get("on")),
        "title": p["title"],
    }


def _reciprocity(p: dict[str, Any], today: dt.date) -> str:
    return _(
        "You received %(takes)s favours from %(name)s and gave %(gives)s: offer something "
        "(an article, an introduction, help)"
    ) % {"name": p["name"], "takes": p.get("takes", 0), "gives": p.get("gives", 0)}


def _interview_thanks(p: dict[str, Any], today: dt.date) -> str:
    return _("Interview at %(org)s on %(date)s: thank %(name)s by the next day") % {
        "org": p.get("org") or "—",
        "date": _day(p.get("on")),
        "name": p["name"],
    }


def _status_inquiry(p: dict[str, Any], today: dt.date) -> str:
    days = _days_since(p.get("on"), today)
    values = {"org": p.get("org") or "—", "date": _day(p.get("on")), "days": days}
    values["name"] = p["name"]
    if p.get("since") == "application":
        return (
            ngettext(
                "Applied to %(org)s on %(date)s, no reply for %(days)s day: ask %(name)s "
                "friendly about the status",
                "Applied to %(org)s on %(date)s, no reply for %(days)s days: ask %(name)s "
                "friendly about the status",
                days,
            )
            % values
        )
    if p.get("since") == "reply":
        return (
            ngettext(
                "Last heard from %(org)s on %(date)s, nothing since for %(days)s day: ask "
                "%(name)s friendly about the status",
                "Last heard from %(org)s on %(date)s, nothing since for %(days)s days: ask "
                "%(name)s friendly about the status",
                days,
            )
            % values
        )
    return (
        ngettext(
            "Interview at %(org)s on %(date)s, no reply for %(days)s day: ask %(name)s "
            "friendly about the status",
            "Interview at %(org)s on %(date)s, no reply for %(days)s days: ask %(name)s "
            "friendly about the status",
            days,
        )
        % values
    )


def _feedback_request(p: dict[str, Any], today: dt.date) -> str:
    return _("Rejection from %(org)s on %(date)s: ask %(name)s for a short feedback call") % {
        "org": p.get("org") or "—",
        "date": _day(p.get("on")),
        "name": p["name"],
    }


def _conversation_thanks(p: dict[str, Any], today: dt.date) -> str:
    return _("Conversation with %(name)s on %(date)s: say thanks and note what you learned") % {
        "name": p["name"],
        "date": _day(p.get("on")),
    }


def _rejection_call(p: dict[str, Any], today: dt.date) -> str:
    return _(
        "%(name)s was rejected for %(opening)s on %(date)s: call to explain the decision and "
        "give your feedback"
    ) % {"name": p["name"], "opening": p.get("opening") or "—", "date": _day(p.get("on"))}


def _silver_medallist_nurture(p: dict[str, Any], today: dt.date) -> str:
    return _(
        "Silver medallist %(name)s, last contact on %(date)s: send relevant news (new "
        "openings, events)"
    ) % {"name": p["name"], "date": _day(p.get("on"))}


REASONS: dict[str, Callable[[dict[str, Any], dt.date], str]] = {
    "keep_in_touch": _keep_in_touch,
    "new_contact": _new_contact,
    "reactivation": _reactivation,
    "birthday": _birthday,
    "work_anniversary": _work_anniversary,
    "job_change": _job_change,
    "promotion": _promotion,
    "media_appearance": _occasion(lambda: _("Media appearance")),
    "custom": _occasion(lambda: _("Occasion")),
    "reciprocity": _reciprocity,
    "interview_thanks": _interview_thanks,
    "status_inquiry": _status_inquiry,
    "feedback_request": _feedback_request,
    "conversation_thanks": _conversation_thanks,
    "rejection_call": _rejection_call,
    "silver_medallist_nurture": _silver_medallist_nurture,
}


def rule_label(rule: str) -> str:
    """A short name of a rule for badges and the done touchpoint's summary."""
    labels = {
        "keep_in_touch": _("Keep in touch"),
        "new_contact": _("New contact"),
        "reactivation": _("Reactivate"),
        "birthday": _("Birthday"),
        "work_anniversary": _("Work anniversary"),
        "job_change": _("Job change"),
        "promotion": _("Promotion"),
        "media_appearance": _("Media appearance"),
        "custom": _("Occasion"),
        "reciprocity": _("Give something back"),
        "interview_thanks": _("Interview thank-you"),
        "status_inquiry": _("Status inquiry"),
        "feedback_request": _("Feedback request"),
        "conversation_thanks": _("Conversation thanks"),
        "rejection_call": _("Call after the rejection"),
        "silver_medallist_nurture": _("Talent pool news"),
    }
    return labels.get(rule, rule)


def reason(rule: str, params: dict[str, Any], today: dt.date, language: str | None = None) -> str:
    """The item's reason in one sentence, in `language` (or the active one)."""
    render = REASONS.get(rule)
    if render is None:
        return rule
    if language is None:
        return render(params, today)
    with translation.override(language):
        return render(params, today)


def suggested_since(due_on: dt.date, today: dt.date) -> str:
    """How a suggestion shows its date: "suggested" from its day on, never "overdue"."""
    if due_on >= today:
        return _("suggested for %(date)s") % {
            "date": formats.date_format(due_on, "SHORT_DATE_FORMAT")
        }
    return _("suggested since %(date)s") % {
        "date": formats.date_format(due_on, "SHORT_DATE_FORMAT")
    }


def overdue_text(days: int) -> str:
    """How late an obligation is: "3 days overdue", "4 months overdue", "over 11 years …"."""
    unit, n = _span(days)
    if unit == "years":
        return ngettext("over %(n)s year overdue", "over %(n)s years overdue", n) % {"n": n}
    if unit == "months":
        return ngettext("%(n)s month overdue", "%(n)s months overdue", n) % {"n": n}
    return ngettext("%(n)s day overdue", "%(n)s days overdue", n) % {"n": n}
