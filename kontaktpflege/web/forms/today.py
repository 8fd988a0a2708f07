"""Forms for Today's actions and the follow-up settings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Channel, Circle
from kontaktpflege.followups.models import OccasionKind
from kontaktpflege.web.forms.base import StyledForm

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class FollowUpActionForm(StyledForm):
    """One form per item; the pressed button (done, snooze, skip) picks the action."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, required=False)
    summary = forms.CharField(label=_("What did you do?"), max_length=300, required=False)
    snooze_until = forms.DateField(
        label=_("Snooze until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Why skip?"), max_length=300, required=False)
    # Reactivation: the circle the person returns to (default "network", seed 004).
    circle = forms.ChoiceField(
        label=_("Back in circle"),
        choices=[(c, label) for c, label in Circle.choices if c in ("core", "active", "network")],
        required=False,
    )


class NotificationSettingsForm(StyledForm):
    """Digest time, channels and the weekly networking block."""

    digest_enabled = forms.BooleanField(label=_("Send me a daily digest"), required=False)
    digest_time = forms.TimeField(
        label=_("Digest time (your local time)"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    email_enabled = forms.BooleanField(label=_("By email"), required=False)
    apprise_urls = forms.CharField(
        label=_("Notification URLs (ntfy, Telegram, Slack, Matrix, webhook), one a line"),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    networking_weekday = forms.TypedChoiceField(
        label=_("Weekly networking time on"), choices=WEEKDAYS, coerce=int
    )
    networking_time = forms.TimeField(label=_("at"), widget=forms.TimeInput(attrs={"type": "time"}))
    networking_minutes = forms.IntegerField(label=_("for (minutes)"), min_value=15, max_value=480)


def _days(
    label: StrOrPromise, reason: StrOrPromise, *, low: int | None = 0, required: bool = False
) -> forms.IntegerField:
    """A number of the rule table; left empty, the workspace keeps its current value."""
    return forms.IntegerField(
        label=label, help_text=reason, min_value=low, max_value=3650, required=required
    )


# Form field → (rule kind, rule attribute) of the follow-up engine's rule table.
RULE_FIELDS = {
    "new_contact_days": ("new_contact", "offset_days"),
    "interview_thanks_days": ("interview_thanks", "offset_days"),
    "status_inquiry_days": ("status_inquiry", "offset_days"),
    "feedback_request_days": ("feedback_request", "offset_days"),
    "conversation_thanks_days": ("conversation_thanks", "offset_days"),
    "reactivation_days": ("reactivation", "offset_days"),
    "reciprocity_threshold": ("reciprocity", "threshold"),
    "core_size": ("core_size", "threshold"),
    "rejection_call_days": ("rejection_call", "offset_days"),
    "silver_medallist_nurture_days": ("silver_medallist_nurture", "offset_days"),
}
# Shown only where the workspace recruits (RuleDefaultsForm(recruiting=True)).
RECRUITING_RULE_FIELDS = ("rejection_call_days", "silver_medallist_nurture_days")
CIRCLE_FIELDS = ("core", "active", "network")


class RuleDefaultsForm(StyledForm):
    """The workspace's rule table: every default from the seeds, each with its reason."""

    core = _days(
        _("Core circle: every (days)"),
        _("Seeds 001 and 004: your closest contacts hear from you about once a month."),
        low=None,
        required=True,
    )
    active = _days(
        _("Active circle: every (days)"),
        _("Seeds 001 and 004: people you work with actively, about once a quarter."),
        low=None,
        required=True,
    )
    network = _days(
        _("Network circle: every (days)"),
        _("Seeds 001 and 004: the wider network, about twice a year, so no contact goes cold."),
        low=None,
        required=True,
    )
    new_contact_days = _days(
        _("New contact: write within (days)"),
        _(
            "Seed 001: get in touch within 72 hours of meeting someone, while both still "
            "remember the conversation (3 days)."
        ),
    )
    interview_thanks_days = _days(
        _("Thank-you after an interview: within (days)"),
        _("Seed 000: a short thank-you soon after the interview, by the next day."),
    )
    status_inquiry_days = _days(
        _("Status inquiry after an interview: from day"),
        _(
            "Seed 000: if you hear nothing, ask friendly and without pressure after 3 to 4 "
            "weeks (days 21 to 28)."
        ),
    )
    status_inquiry_until = _days(_("Status inquiry: until day"), "")
    feedback_request_days = _days(
        _("Feedback after a rejection: within (days)"),
        _("Seed 000: ask for a short phone call about the reasons within 2 days."),
    )
    conversation_thanks_days = _days(
        _("Thanks after a network conversation: within (days)"),
        _("Seed 003: thank and note what you learned the same or the next day."),
    )
    reactivation_days = _days(
        _("Reactivation: suggest after (days) without contact"),
        _(
            "Seed 004: time since the last meeting matters; after 12 months a contact is "
            "dormant and worth reviving, offering help first (365 days)."
        ),
        low=1,
    )
    reciprocity_threshold = _days(
        _("Give back: suggest when you received help this many times more than you gave"),
        _("Seeds 001 and 004: give before you take; suggest something to give back."),
        low=1,
    )
    core_size = _days(
        _("Core circle: warn above (people)"),
        _("Seed 001: quality over quantity: 20 people you know well beat 500 you don't."),
        low=1,
    )
    rejection_call_days = _days(
        _("Call after a personal rejection: within (days)"),
        _(
            "Seed 002: call finalists to explain the decision before the email summarises "
            "it, within 2 days."
        ),
    )
    silver_medallist_nurture_days = _days(
        _("Talent pool news for silver medallists: every (days)"),
        _(
            "Seed 002: silver medallists who consented hear something relevant every 90 days "
            "(new openings, events, company news)."
        ),
        low=1,
    )

    def __init__(self, *args: Any, recruiting: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not recruiting:
            for name in RECRUITING_RULE_FIELDS:
                del self.fields[name]

    @classmethod
    def initial_for(cls, rules: dict[str, Any], days: dict[str, int]) -> dict[str, int]:
        """The form's values from the workspace's rules and circle intervals."""
        values = {name: days[name] for name in CIRCLE_FIELDS}
        for name, (kind, attr) in RULE_FIELDS.items():
            values[name] = getattr(rules[kind], attr)
        inquiry = rules["status_inquiry"]
        values["status_inquiry_until"] = inquiry.offset_days + inquiry.window_days
        return values

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, until = data.get("status_inquiry_days"), data.get("status_inquiry_until")
        if start is not None and until is not None and until < start:
            self.add_error(
                "status_inquiry_until", _("The last day cannot be before the first day.")
            )
        return data

    def circle_days(self) -> dict[str, int]:
        return {name: self.cleaned_data[name] for name in CIRCLE_FIELDS}

    def rules(self) -> dict[str, dict[str, int]]:
        """Overrides for followup_rules_update: {kind: {attribute: value}}."""
        rules: dict[str, dict[str, int]] = {}
        data = self.cleaned_data
        for name, (kind, attr) in RULE_FIELDS.items():
            if data.get(name) is not None:
                rules.setdefault(kind, {})[attr] = data[name]
        start, until = data.get("status_inquiry_days"), data.get("status_inquiry_until")
        if start is not None and until is not None:
            rules["status_inquiry"]["window_days"] = until - start
        return rules


class OccasionForm(StyledForm):
    """Record a promotion, media appearance or other occasion."""

    kind = forms.ChoiceField(label=_("Occasion"), choices=OccasionKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
