"""Forms for Today's actions and the follow-up settings."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.contacts.models import Channel, Circle
from kontaktpflege.followups.models import OccasionKind
from kontaktpflege.web.forms.base import StyledForm

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


class RuleDefaultsForm(StyledForm):
    """The workspace's keep-in-touch intervals per circle."""

    core = forms.IntegerField(label=_("Core circle: every (days)"))
    active = forms.IntegerField(label=_("Active circle: every (days)"))
    network = forms.IntegerField(label=_("Network circle: every (days)"))


class OccasionForm(StyledForm):
    """Record a promotion, media appearance or other occasion."""

    kind = forms.ChoiceField(label=_("Occasion"), choices=OccasionKind.choices)
    on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
