"""Campaigns and their reports: the same services as the web pages. Another workspace's
campaign or pool is a 404; viewers read but cannot create, send or cancel (403); a campaign
sent now to an audience where nobody may receive it is a 422 and nothing is sent. Sending
runs in the worker: `send` only starts it (or schedules it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, InputSchema
from kontaktpflege.privacy import campaigns
from kontaktpflege.privacy.campaign_models import MAX_CAMPAIGN_NOTES, Campaign
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.selectors import recruiting_enabled

router = Router(tags=["campaigns"])


class CampaignIn(InputSchema):
    name: str = Field(max_length=200)
    pool_id: Id | None = Field(None, description="A talent pool; or give `filters` instead")
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="A segment (a pool filter), {field: value} over: "
        + ", ".join(f.key for f in pools.FILTERABLE_FIELDS),
    )
    purpose: str = Field("talent_pool", description="talent_pool | campaigns", max_length=12)
    template_key: str = Field(max_length=60)
    notes: str = Field("", max_length=MAX_CAMPAIGN_NOTES)


class SendIn(InputSchema):
    send_at: dt.datetime | None = Field(None, description="Empty or past: now")


class CampaignOut(Schema):
    id: int
    name: str
    pool_id: int | None
    filters: dict[str, Any]
    purpose: str
    template_key: str
    notes: str
    state: str
    send_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class PreviewOut(Schema):
    total: int
    receive: int
    skipped: dict[str, int]
    capped: bool


class RecipientOut(Schema):
    person_id: int
    email: str
    status: str = Field(description="pending | sent | in_outbox | skipped | failed")
    reason: str
    error: str
    message_id: int | None


class ReportOut(Schema):
    state: str
    sent: int
    in_outbox: int
    failed: int
    pending: int
    skipped: dict[str, int]
    recipients: list[RecipientOut]


class ListQuery(InputSchema):
    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(50, ge=1, le=200)


class ReportQuery(ListQuery):
    status: str = Field("", description="'' | sent | skipped | failed", max_length=10)


def _workspace(request: HttpRequest) -> Any:
    workspace = request.workspace  # type: ignore[attr-defined]
    if not recruiting_enabled(workspace):
        raise Http404
    return workspace


def _out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "pool_id": campaign.pool_id,
        "filters": campaign.filters or {},
        "purpose": campaign.purpose,
        "template_key": campaign.template_key,
        "notes": campaign.notes,
        "state": campaign.state,
        "send_at": campaign.send_at,
        "started_at": campaign.started_at,
        "finished_at": campaign.finished_at,
        "cancelled_at": campaign.cancelled_at,
    }


@router.get("/campaigns", response={200: list[CampaignOut], **READ_ERRORS})
def list_campaigns(request: HttpRequest, page: Query[ListQuery]) -> list[dict[str, Any]]:
    """The workspace's campaigns, newest first."""
    rows = campaigns.campaign_list(workspace=_workspace(request))
    return [_out(c) for c in rows[page.offset : page.offset + page.limit]]


@router.post("/campaigns", response={201: CampaignOut, **ERRORS})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status[dict[str, Any]]:
    """A draft campaign to a pool or a segment; nothing is sent before `send`."""
    require_writer(request)
    workspace = _workspace(request)
    pool = pools.pool_get(workspace=workspace, pk=payload.pool_id) if payload.pool_id else None
    campaign = campaigns.campaign_create(
        workspace=workspace,
        user=request.user,  # type: ignore[arg-type]
        name=payload.name,
        pool=pool,
        filters=payload.filters or None,
        purpose=payload.purpose,
        template_key=payload.template_key,
        notes=payload.notes,
    )
    return Status(201, _out(campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **READ_ERRORS})
def get_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    return _out(campaigns.campaign_get(workspace=_workspace(request), pk=campaign_id))


@router.get("/campaigns/{campaign_id}/preview", response={200: PreviewOut, **READ_ERRORS})
def preview_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """How many would receive it if it went out now, and who would be skipped (by reason)."""
    campaign = campaigns.campaign_get(workspace=_workspace(request), pk=campaign_id)
    found = campaigns.campaign_preview(campaign=campaign)
    return {
        "total": found.total,
        "receive": found.receive,
        "skipped": found.skipped,
        "capped": found.capped,
    }


@router.post("/campaigns/{campaign_id}/send", response={200: CampaignOut, **ERRORS})
def send_campaign(request: HttpRequest, campaign_id: Id, payload: SendIn) -> dict[str, Any]:
    """Start sending a draft now (in the worker) or schedule it."""
    require_writer(request)
    campaign = campaigns.campaign_get(workspace=_workspace(request), pk=campaign_id)
    campaigns.campaign_schedule(
        campaign=campaign,
        send_at=payload.send_at,
        user=request.user,  # type: ignore[arg-type]
    )
    return _out(campaign)


@router.post("/campaigns/{campaign_id}/cancel", response={200: CampaignOut, **ERRORS})
def cancel_campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    """Cancel a draft or scheduled campaign, or stop one that is sending."""
    require_writer(request)
    campaign = campaigns.campaign_get(workspace=_workspace(request), pk=campaign_id)
    campaigns.campaign_cancel(campaign=campaign, user=request.user)  # type: ignore[arg-type]
    return _out(campaign)


@router.get("/campaigns/{campaign_id}/report", response={200: ReportOut, **READ_ERRORS})
def campaign_report(
    request: HttpRequest, campaign_id: Id, query: Query[ReportQuery]
) -> dict[str, Any]:
    """Counts (sent, in the outbox, failed, pending, skipped by reason) and a page of
    recipients with their outcome."""
    campaign = campaigns.campaign_get(workspace=_workspace(request), pk=campaign_id)
    report = campaigns.campaign_report(campaign=campaign)
    status = query.status if query.status in ("sent", "skipped", "failed") else ""
    rows = campaigns.campaign_recipients(
        campaign=campaign, status=status, offset=query.offset, limit=query.limit
    )
    return {
        "state": campaign.state,
        "sent": report.sent,
        "in_outbox": report.in_outbox,
        "failed": report.failed,
        "pending": report.pending,
        "skipped": report.skipped,
        "recipients": [
            {
                "person_id": r.person_id,
                "email": r.email,
                "status": campaigns.recipient_status(r),
                "reason": r.reason,
                "error": r.error,
                "message_id": r.message_id,
            }
            for r in rows
        ],
    }
