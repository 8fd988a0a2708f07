"""Rejections (seed 002): reject a candidacy, review personal drafts, the scheduled list with
cancel, bulk rejection of an opening's early candidacies, and the silver medallists' update.

The opening and candidacy pages of the recruiting area link here (`reject_url`,
`bulk_reject_url`); every page answers 404 for another workspace's rows and for a
workspace that has not switched recruiting on.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.core.keyset import numbered_page
from kontaktpflege.messaging.services import new_idempotency_key
from kontaktpflege.recruiting import nurture, rejections
from kontaktpflege.recruiting.models import (
    CLOSED_KINDS,
    Candidacy,
    Opening,
    Rejection,
    RejectionState,
    Tier,
)
from kontaktpflege.recruiting.selectors import recruiting_enabled
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.rejections import BulkRejectForm, RejectForm, ReviewForm

TABS = {
    "review": (RejectionState.DRAFT,),
    "scheduled": (RejectionState.SCHEDULED,),
    "sent": (RejectionState.SENT,),
    "cancelled": (RejectionState.CANCELLED,),
}


def _recruiting(request: WorkspaceRequest) -> None:
    if not recruiting_enabled(request.workspace):
        raise Http404


def _reasons(request: WorkspaceRequest) -> list[tuple[int, str]]:
    return [(r.pk, r.label) for r in rejections.reasons_for(request.workspace)]


def _opening(request: WorkspaceRequest, pk: int) -> Opening:
    found = Opening.objects.filter(workspace=request.workspace, pk=pk).first()
    if found is None:
        raise Http404
    return found


@writer_required
def candidacy_reject(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Reject one candidacy; the tier follows the stage reached."""
    _recruiting(request)
    c = rejections.candidacy_get(workspace=request.workspace, pk=pk)
    tier = rejections.tier_for(c, rejections.late_position(request.workspace))
    personal = tier == Tier.PERSONAL
    form = RejectForm(request.POST or None, reasons=_reasons(request), personal=personal)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            r = rejections.candidacy_reject(
                candidacy=c,
                reason_id=data["reason"],
                user=request.user,
                feedback_notes=data.get("feedback_notes") or "",
                send_at=data.get("send_at"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if personal:
                messages.success(request, _("Draft ready: review the text, then schedule it."))
                return redirect("rejection_review", pk=r.pk)
            messages.success(request, scheduled_message())
            return redirect("rejections")
    context = {
        "c": c,
        "form": form,
        "personal": personal,
        "live": rejections.live_rejection(c),
        "closed": c.stage.kind in CLOSED_KINDS and c.stage.kind != "rejected",
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "recruiting/reject.html", context, status=status)


def scheduled_message() -> str:
    return _("Rejection scheduled. You can cancel it until it goes out.")


def _review_initial(r: Rejection, request: WorkspaceRequest) -> dict[str, Any]:
    return {"subject": r.subject, "body": r.body, "send_at": r.send_at}


@writer_required
def rejection_review(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Review a rejection's text (personal drafts first of all) and schedule it."""
    _recruiting(request)
    r = rejections.rejection_get(workspace=request.workspace, pk=pk)
    editable = r.state in rejections.OPEN_STATES
    form = ReviewForm(request.POST or None, initial=_review_initial(r, request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rejections.rejection_review(
                rejection=r,
                user=request.user,
                subject=data["subject"],
                body=data["body"],
                send_at=data.get("send_at"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, scheduled_message())
            return redirect("rejections")
    context = {"r": r, "form": form, "editable": editable}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "recruiting/reject_review.html", context, status=status)


@member_required
def rejection_list(request: WorkspaceRequest) -> TemplateResponse:
    """Rejections to review, scheduled (cancellable), sent and cancelled."""
    _recruiting(request)
    tab = request.GET.get("tab", "scheduled")
    tab = tab if tab in TABS else "scheduled"
    rows = rejections.rejection_list(workspace=request.workspace, states=TABS[tab])
    if tab in ("sent", "cancelled"):
        rows = rows.order_by("-updated_at", "-id")
    page = numbered_page(rows, number=request.GET.get("page"), size=50, max_pages=200)
    counts = {
        key: rejections.rejection_list(workspace=request.workspace, states=states).count()
        for key, states in TABS.items()
    }
    context = {
        "tab": tab,
        "tabs": [(key, _tab_label(key), counts[key]) for key in TABS],
        "page_obj": page,
        "no_address": rejections.waiting_without_address(page.object_list),
        "querystring_base": f"tab={tab}&",
    }
    return TemplateResponse(request, "recruiting/rejections.html", context)


def _tab_label(key: str) -> str:
    return {
        "review": _("To review"),
        "scheduled": _("Scheduled"),
        "sent": _("Sent"),
        "cancelled": _("Cancelled"),
    }[key]


@writer_required
def rejection_cancel(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Confirm, then cancel a rejection that has not gone out (the candidacy returns)."""
    _recruiting(request)
    r = rejections.rejection_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        try:
            rejections.rejection_cancel(rejection=r, user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Rejection cancelled; nothing was sent."))
        return redirect("rejections")
    return TemplateResponse(request, "recruiting/reject_cancel.html", {"r": r})


def _bulk_choices(rows: list[Candidacy], late: int | None) -> list[tuple[int, str]]:
    choices = []
    for c in rows:
        label = f"{c.person.full_name} · {c.reached_stage.label if c.reached_stage else '—'}"
        if rejections.tier_for(c, late) == Tier.PERSONAL:
            label += " · " + _("personal feedback")
        choices.append((c.pk, label))
    return choices


@writer_required
def opening_reject(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Reject many early candidacies of an opening at once with the automated template."""
    _recruiting(request)
    job = _opening(request, pk)
    rows = list(
        Candidacy.objects.filter(workspace=request.workspace, opening=job)
        .exclude(stage__kind__in=CLOSED_KINDS)
        .select_related("person", "reached_stage")
        .order_by("reached_position", "person__last_name", "pk")[: rejections.MAX_BULK]
    )
    late = rejections.late_position(request.workspace)
    form = BulkRejectForm(
        request.POST or None, reasons=_reasons(request), candidacies=_bulk_choices(rows, late)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = rejections.rejections_bulk(
                workspace=request.workspace,
                opening_id=job.pk,
                candidacy_ids=data["candidacies"],
                reason_id=data["reason"],
                user=request.user,
                send_at=data.get("send_at"),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("%(n)d rejections scheduled.") % {"n": len(done)})
            return redirect("rejections")
    context = {"job": job, "form": form, "rows": rows, "late": late}
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "recruiting/reject_bulk.html", context, status=status)


@writer_required
def nurture_update(request: WorkspaceRequest, person_id: int) -> HttpResponse:
    """The suggested update for a silver medallist: open openings, sent only with consent."""
    _recruiting(request)
    profile = nurture.nurture_profile(workspace=request.workspace, person_id=person_id)
    draft = nurture.nurture_draft(
        workspace=request.workspace, person=profile.person, user=request.user
    )
    initial = {"subject": draft.subject, "body": draft.body}
    form = ReviewForm(request.POST or None, initial=initial)
    del form.fields["send_at"]
    if request.method == "POST" and form.is_valid():
        try:
            nurture.nurture_send(
                profile=profile,
                user=request.user,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                idempotency_key=request.POST.get("idempotency_key", ""),
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Update queued for sending."))
            return redirect("rejections")
    context = {
        "profile": profile,
        "form": form,
        "idempotency_key": request.POST.get("idempotency_key") or new_idempotency_key(),
    }
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "recruiting/reject_nurture.html", context, status=status)


urlpatterns = [
    path("recruiting/candidacies/<int:pk>/reject/", candidacy_reject, name="candidacy_reject"),
    path("recruiting/openings/<int:pk>/reject/", opening_reject, name="opening_reject"),
    path("recruiting/rejections/", rejection_list, name="rejections"),
    path("recruiting/rejections/<int:pk>/review/", rejection_review, name="rejection_review"),
    path("recruiting/rejections/<int:pk>/cancel/", rejection_cancel, name="rejection_cancel"),
    path("recruiting/candidates/<int:person_id>/update/", nurture_update, name="nurture_update"),
]
