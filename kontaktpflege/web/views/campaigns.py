"""Campaigns (issue 15): the list, a new campaign, the preview and confirmation before it
goes out, cancelling, and the report of sent, skipped (with the reason) and failed.

Sending happens in the worker, never in a request; writes need the member role (viewers
read); another workspace's campaign or pool is a 404; the pages exist only where recruiting
is switched on (campaigns go to talent pools).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.privacy import campaigns
from kontaktpflege.privacy.campaign_models import CampaignState
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.selectors import recruiting_enabled
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.campaigns import CampaignForm, RateForm, SendForm
from kontaktpflege.web.params import int_param

PAGE_SIZE = 25
RECIPIENTS_PAGE = 50
STATUSES = ("", "sent", "skipped", "failed")


def _require_recruiting(request: WorkspaceRequest) -> None:
    if not recruiting_enabled(request.workspace):
        raise Http404


@member_required
def campaign_list(request: WorkspaceRequest) -> TemplateResponse:
    """The workspace's campaigns, newest first, a page at a time."""
    _require_recruiting(request)
    paginator = Paginator(campaigns.campaign_list(workspace=request.workspace), PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rate = campaigns.campaign_settings_get(workspace=request.workspace).messages_per_minute
    context = {"page": page, "rate_form": RateForm(initial={"messages_per_minute": rate})}
    return TemplateResponse(request, "campaigns/list.html", context)


@writer_required
def campaign_rate(request: WorkspaceRequest) -> HttpResponse:
    """Set the workspace's sending rate (POST from the list page)."""
    _require_recruiting(request)
    form = RateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        campaigns.campaign_settings_save(
            workspace=request.workspace,
            messages_per_minute=form.cleaned_data["messages_per_minute"],
        )
        messages.success(request, _("Saved."))
    elif request.method == "POST":
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("campaigns")


@writer_required
def campaign_create(request: WorkspaceRequest) -> HttpResponse:
    """A new campaign (a draft): audience, consent needed, template and notes."""
    _require_recruiting(request)
    form = CampaignForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pool = (
            pools.pool_get(workspace=request.workspace, pk=data["pool"]) if data["pool"] else None
        )
        try:
            campaign = campaigns.campaign_create(
                workspace=request.workspace,
                user=request.user,  # type: ignore[arg-type]
                name=data["name"],
                pool=pool,
                filters=None if pool else form.filters(),
                purpose=data["purpose"],
                template_key=data["template_key"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("campaign", pk=campaign.pk)
    return TemplateResponse(request, "campaigns/form.html", {"form": form})


@member_required
def campaign_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """A draft's preview (who would receive it now), or the report of a sent campaign."""
    _require_recruiting(request)
    campaign = campaigns.campaign_get(workspace=request.workspace, pk=pk)
    context: dict[str, object] = {"campaign": campaign}
    if campaign.state in (CampaignState.DRAFT, CampaignState.SCHEDULED):
        context["preview"] = campaigns.campaign_preview(campaign=campaign)
    if campaign.started_at is not None:
        status = request.GET.get("status", "")
        status = status if status in STATUSES else ""
        page = min(int_param(request.GET.get("page")) or 1, 1000)
        rows = campaigns.campaign_recipients(
            campaign=campaign,
            status=status,
            offset=(page - 1) * RECIPIENTS_PAGE,
            limit=RECIPIENTS_PAGE + 1,
        )
        report = campaigns.campaign_report(campaign=campaign)
        shown = {
            "": report.total,
            "sent": report.sent + report.in_outbox,
            "skipped": report.skipped_total,
            "failed": report.failed,
        }[status]
        context.update(
            report=report,
            recipients=[(r, campaigns.recipient_status(r)) for r in rows[:RECIPIENTS_PAGE]],
            status=status,
            page_number=page,
            page_count=max(-(-shown // RECIPIENTS_PAGE), 1),
            has_next=len(rows) > RECIPIENTS_PAGE,
        )
    return TemplateResponse(request, "campaigns/detail.html", context)


@writer_required
def campaign_send(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """The confirmation before sending: the counts, then send now or schedule."""
    _require_recruiting(request)
    campaign = campaigns.campaign_get(workspace=request.workspace, pk=pk)
    if campaign.state != CampaignState.DRAFT:
        messages.error(request, _("This campaign was already sent or scheduled."))
        return redirect("campaign", pk=campaign.pk)
    form = SendForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_schedule(
                campaign=campaign,
                send_at=form.cleaned_data["send_at"],
                user=request.user,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            if campaign.state == CampaignState.SCHEDULED:
                messages.success(request, _("Campaign scheduled."))
            else:
                messages.success(request, _("Campaign is being sent."))
            return redirect("campaign", pk=campaign.pk)
    preview = campaigns.campaign_preview(campaign=campaign)
    context = {"campaign": campaign, "form": form, "preview": preview}
    return TemplateResponse(request, "campaigns/send.html", context)


@writer_required
def campaign_cancel(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Cancel a draft or scheduled campaign (or stop one that is sending), after a question."""
    _require_recruiting(request)
    campaign = campaigns.campaign_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        try:
            campaigns.campaign_cancel(campaign=campaign, user=request.user)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Campaign cancelled."))
        return redirect("campaign", pk=campaign.pk)
    return TemplateResponse(request, "campaigns/cancel.html", {"campaign": campaign})


urlpatterns = [
    path("recruiting/campaigns/", campaign_list, name="campaigns"),
    path("recruiting/campaigns/new/", campaign_create, name="campaign_create"),
    path("recruiting/campaigns/rate/", campaign_rate, name="campaign_rate"),
    path("recruiting/campaigns/<int:pk>/", campaign_detail, name="campaign"),
    path("recruiting/campaigns/<int:pk>/send/", campaign_send, name="campaign_send"),
    path("recruiting/campaigns/<int:pk>/cancel/", campaign_cancel, name="campaign_cancel"),
]
