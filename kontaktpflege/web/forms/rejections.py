"""Forms of rejections (seed 002): reject one candidacy, review a draft, reject in bulk."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kontaktpflege.web.forms.base import StyledForm

DATETIME = {"type": "datetime-local"}


def _send_at() -> forms.DateTimeField:
    return forms.DateTimeField(
        label=_("Send at"),
        required=False,
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. It can be cancelled until it goes out."),
    )


class RejectForm(StyledForm):
    """Reject one candidacy: a reason, the feedback (personal tier), a send time (automated)."""

    reason = forms.TypedChoiceField(label=_("Reason"), coerce=int, choices=())
    feedback_notes = forms.CharField(
        label=_("Your individual feedback"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What tipped the balance, and what would help in future applications. It goes "
            "into the template; you review the whole text before it is sent."
        ),
    )
    send_at = _send_at()

    def __init__(self, *args: Any, reasons: list[tuple[int, str]], personal: bool, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["reason"].choices = reasons  # type: ignore[attr-defined]
        if personal:
            self.fields["feedback_notes"].required = True
            del self.fields["send_at"]  # scheduled after the review
        else:
            self.fields["feedback_notes"].label = _("A personal line (optional)")
            self.fields["feedback_notes"].help_text = ""


class ReviewForm(StyledForm):
    """The final text of a rejection and when it goes out."""

    subject = forms.CharField(label=_("Subject"), max_length=300)
    body = forms.CharField(
        label=_("Text"), max_length=50000, widget=forms.Textarea(attrs={"rows": 18})
    )
    send_at = _send_at()


class BulkRejectForm(StyledForm):
    """Reject several candidacies of an opening with the automated template."""

    candidacies = forms.TypedMultipleChoiceField(
        label=_("Candidates"),
        coerce=int,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.TypedChoiceField(label=_("Reason"), coerce=int, choices=())
    send_at = _send_at()

    def __init__(
        self,
        *args: Any,
        reasons: list[tuple[int, str]],
        candidacies: list[tuple[int, str]],
        **kw: Any,
    ):
        super().__init__(*args, **kw)
        self.fields["reason"].choices = reasons  # type: ignore[attr-defined]
        self.fields["candidacies"].choices = candidacies  # type: ignore[attr-defined]
        self.fields["candidacies"].widget.attrs["class"] = "form-check-input"
