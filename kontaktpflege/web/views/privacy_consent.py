"""A person's consent in a recruiting workspace: the current state per purpose, the
append-only history, consent recorded by a recruiter with a note of proof (for the notice
version shown on the page), and a withdrawal on the person's behalf."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.privacy import dsr, selectors, services
from kontaktpflege.privacy.models import Purpose, WithdrawalChannel
from kontaktpflege.privacy.notices import consent_statement, current_notice
from kontaktpflege.recruiting.models import ConsentState
from kontaktpflege.recruiting.selectors import recruiting_enabled
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.privacy import ConsentRecordForm, ConsentWithdrawForm


def _person(request: WorkspaceRequest, person_id: int) -> Person:
    """A person of a recruiting workspace (404 elsewhere and for another workspace's id)."""
    if not recruiting_enabled(request.workspace):
        raise Http404
    return dsr.person_for_request(workspace=request.workspace, pk=person_id)


def _context(request: WorkspaceRequest, person: Person, **forms: Any) -> dict[str, Any]:
    workspace = request.workspace
    months = services.privacy_settings_ensure(workspace=workspace).consent_months
    language = person.language if person.language in services.LANGUAGES else "de"
    notice = current_notice(workspace=workspace, language=language, months=months)
    statements = []
    for purpose, label in Purpose.choices:
        # The sentence as the person hears it: in their language, as it will be recorded.
        with translation.override(language):
            text = consent_statement(workspace=workspace, purpose=purpose, months=months)
        status = selectors.consent_status(person=person, purpose=purpose)
        statements.append(
            {
                "purpose": purpose,
                "label": label,
                "status": status,
                "state_label": ConsentState(status.state).label,
                "text": text,
            }
        )
    return {
        "person": person,
        "purposes": statements,
        "records": selectors.consent_records_for(person=person)[::-1],
        "notice": notice,
        "anonymised": hasattr(person, "anonymisation"),
        "can_write": request.membership.can_write,  # type: ignore[attr-defined]
        "record_form": _record_form(forms.get("record_form"), notice.version),
        "withdraw_form": forms.get("withdraw_form") or ConsentWithdrawForm(),
    }


def _record_form(form: ConsentRecordForm | None, version: str) -> ConsentRecordForm:
    """The form as posted (with its errors), or a fresh one for the notice version shown."""
    if form is None:
        form = ConsentRecordForm()
    if not form.is_bound:
        form.initial.setdefault("notice_version", version)
    return form


@member_required
def person_consent(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    """The consent page of a person (members write, viewers read)."""
    person = _person(request, person_id)
    return TemplateResponse(request, "privacy/consent.html", _context(request, person))


@require_POST
@writer_required
def consent_record(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    """Record consent given by phone, letter or in person, with the note of proof."""
    person = _person(request, person_id)
    form = ConsentRecordForm(request.POST)
    if form.is_valid():
        try:
            services.consent_record_by_recruiter(
                person=person, user=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form = _after_refusal(request, form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("person_consent", person_id=person.pk)
    context = _context(request, person, record_form=form)
    return TemplateResponse(request, "privacy/consent.html", context)


def _after_refusal(
    request: WorkspaceRequest, form: ConsentRecordForm, exc: ValidationError
) -> ConsentRecordForm:
    """A newer privacy notice was published since the page was shown: say so and offer the
    form again for the current version (with what was typed); other errors on the form."""
    if "notice_version" not in getattr(exc, "error_dict", {}):
        form.add_service_errors(exc)
        return form
    for text in exc.messages:
        messages.error(request, text)
    messages.error(request, _("Read the current version to the person and record again."))
    kept = {k: v for k, v in form.cleaned_data.items() if k != "notice_version"}
    return ConsentRecordForm(initial=kept)


@require_POST
@writer_required
def consent_withdraw(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    """Withdraw at once on the person's behalf (channel: recorded by a recruiter)."""
    person = _person(request, person_id)
    form = ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw_on_behalf(
                person=person,
                purpose=form.cleaned_data["purpose"],
                channel=WithdrawalChannel.RECRUITER,
                user=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Consent withdrawn."))
            return redirect("person_consent", person_id=person.pk)
    context = _context(request, person, withdraw_form=form)
    return TemplateResponse(request, "privacy/consent.html", context)


urlpatterns = [
    path("privacy/consent/<int:person_id>/", person_consent, name="person_consent"),
    path("privacy/consent/<int:person_id>/record/", consent_record, name="consent_record"),
    path("privacy/consent/<int:person_id>/withdraw/", consent_withdraw, name="consent_withdraw"),
]
