"""Forms for network conversations (seed 003) and activating dormant contacts (seed 004)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kontaktpflege.applications.activation import RETURN_CIRCLES
from kontaktpflege.applications.conversations import CHECKLIST
from kontaktpflege.applications.models import ActivationGoal
from kontaktpflege.contacts.models import Channel, Circle
from kontaktpflege.web.forms.base import StyledForm

DATETIME = {"type": "datetime-local"}
CONTACT_ROWS = 3


class PlanForm(StyledForm):
    """Plan a conversation: with whom, and what I want to learn."""

    person = forms.TypedChoiceField(label=_("With"), coerce=int, choices=())
    goal = forms.CharField(
        label=_("Goal: what do I want to learn?"),
        max_length=500,
        help_text=_(
            "Decide it yourself, before the conversation: new contacts at your target "
            "companies, or honest feedback on your chances and gaps in a field."
        ),
    )
    planned_at = forms.DateTimeField(
        label=_("Planned for"), required=False, widget=forms.DateTimeInput(attrs=DATETIME)
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = people  # type: ignore[attr-defined]


class PrepareForm(StyledForm):
    """Preparation: goal, research, questions, target companies, the seed's checklist."""

    goal = PlanForm.base_fields["goal"]
    planned_at = PlanForm.base_fields["planned_at"]
    research = forms.CharField(
        label=_("Research notes: the person, their company, their industry"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    questions = forms.CharField(
        label=_("Prepared questions"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Questions that show you studied the company, not ones a search answers."),
    )
    target_companies = forms.TypedMultipleChoiceField(
        label=_("Target companies to walk through together"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Ask whom they know there and could introduce you to."),
    )
    checklist = forms.MultipleChoiceField(
        label=_("Before you go"),
        choices=CHECKLIST,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target_companies"].choices = targets  # type: ignore[attr-defined]
        for name in ("target_companies", "checklist"):
            self.fields[name].widget.attrs["class"] = "form-check-input"


class HoldForm(StyledForm):
    """When the conversation took place."""

    held_at = forms.DateTimeField(label=_("Held on"), widget=forms.DateTimeInput(attrs=DATETIME))


class DebriefForm(StyledForm):
    """What I learned, whom they named, what it means for my target companies."""

    learned = forms.CharField(
        label=_("What I learned"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Write it down now: notes taken at once are the ones you will still have."),
    )

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, CONTACT_ROWS + 1):
            self.fields[f"contact_{i}_name"] = forms.CharField(
                label=_("Name"), required=False, max_length=200
            )
            self.fields[f"contact_{i}_email"] = forms.CharField(
                label=_("Email (optional)"), required=False, max_length=254
            )
            self.fields[f"contact_{i}_organisation"] = forms.CharField(
                label=_("Organisation (optional)"), required=False, max_length=200
            )
        self.targets = targets
        for pk, name in targets:
            self.fields[f"insight_{pk}"] = forms.CharField(
                label=name,
                required=False,
                max_length=5000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def contact_rows(self) -> list[list[Any]]:
        """The bound fields of each new-contact row, for the template."""
        return [
            [self[f"contact_{i}_{part}"] for part in ("name", "email", "organisation")]
            for i in range(1, CONTACT_ROWS + 1)
        ]

    def insight_fields(self) -> list[Any]:
        return [self[f"insight_{pk}"] for pk, _name in self.targets]

    def add_service_errors(self, exc: ValidationError) -> None:
        """Map "new_contacts.2.email" onto the row's field, "insights" onto the form."""
        if hasattr(exc, "error_dict"):
            mapped: dict[str, Any] = {}
            for key, errors in exc.error_dict.items():
                parts = key.split(".")
                if parts[0] == "new_contacts" and len(parts) == 3:
                    key = f"contact_{parts[1]}_{parts[2]}"
                mapped.setdefault(key, []).extend(errors)
            exc = ValidationError(mapped)
        super().add_service_errors(exc)


class ActivationGoalForm(StyledForm):
    """Seed 004: know your goal, and offer help before you ask for any."""

    goal = forms.ChoiceField(
        label=_("What is your goal?"),
        choices=ActivationGoal.choices,
        widget=forms.RadioSelect,
    )
    offer = forms.CharField(
        label=_("Help I can offer first"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("An article, a contact, your experience: give first, expect nothing yet."),
    )
    circle = forms.ChoiceField(
        label=_("Back into circle"),
        choices=[(c, label) for c, label in Circle.choices if c in RETURN_CIRCLES],
        initial="network",
        required=False,  # not sent: "network" when starting, unchanged when changing
        help_text=_(
            "Where they go once you have talked, however you log it: the circle sets how "
            "often you keep in touch from then on."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].widget.attrs["class"] = "form-check-input"


class MeetingForm(StyledForm):
    """The planned meeting (it becomes a due item on its day)."""

    meeting_on = forms.DateField(
        label=_("Meeting on"), widget=forms.DateInput(attrs={"type": "date"})
    )


class ActivationDoneForm(StyledForm):
    """The logged conversation and the circle they return to."""

    summary = forms.CharField(label=_("What did you talk about?"), max_length=300)
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial="meeting")
    circle = forms.ChoiceField(
        label=_("Back into circle"),
        choices=[(c, label) for c, label in Circle.choices if c in RETURN_CIRCLES],
        initial="network",
        help_text=_("Keep in touch from now on: the circle sets how often."),
    )
