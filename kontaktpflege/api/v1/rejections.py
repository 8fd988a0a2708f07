"""Rejections in two tiers (seed 002): reject, review, cancel, list, bulk.

The same services as the web pages (recruiting/rejections.py); another workspace's rows and
a workspace without recruiting are 404; viewers read only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, DateTime, Id, InputSchema
from kontaktpflege.recruiting import rejections
from kontaktpflege.recruiting.models import Rejection, RejectionState
from kontaktpflege.recruiting.selectors import recruiting_enabled

router = Router(tags=["rejections"])


class RejectIn(InputSchema):
    """Reject a candidacy. Personal tier (reached the late stage): feedback required, a draft
    follows; automated tier: scheduled for `send_at` (empty: now)."""

    reason_id: Id
    feedback_notes: Annotated[str, Field(max_length=10000)] = ""
    send_at: DateTime | None = None


class ReviewIn(InputSchema):
    """The final text and when it goes out (empty: now)."""

    subject: str = Field(max_length=300)
    body: str = Field(max_length=50000)
    send_at: DateTime | None = None


class BulkIn(InputSchema):
    """Automated rejections for several candidacies of one opening; all or none."""

    candidacy_ids: list[Id] = Field(min_length=1, max_length=rejections.MAX_BULK)
    reason_id: Id
    send_at: DateTime | None = None


class RejectionOut(Schema):
    id: int
    candidacy_id: int
    person_id: int
    opening_id: int
    reason_id: int
    tier: str
    state: str
    silver_medallist: bool
    feedback_notes: str
    subject: str
    body: str
    send_at: dt.datetime | None
    sent_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    message_id: int | None
    created_at: dt.datetime


def _out(r: Rejection) -> dict[str, Any]:
    c = r.candidacy
    return {
        **{f: getattr(r, f) for f in ("id", "candidacy_id", "reason_id", "tier", "state")},
        **{f: getattr(r, f) for f in ("feedback_notes", "subject", "body", "send_at")},
        **{f: getattr(r, f) for f in ("sent_at", "cancelled_at", "message_id", "created_at")},
        "person_id": c.person_id,
        "opening_id": c.opening_id,
        "silver_medallist": c.silver_medallist,
    }


def _workspace(request: HttpRequest) -> Any:
    workspace = request.workspace  # type: ignore[attr-defined]
    if not recruiting_enabled(workspace):
        raise Http404
    return workspace


def _get(request: HttpRequest, pk: int) -> Rejection:
    return rejections.rejection_get(workspace=_workspace(request), pk=pk)


@router.get("/rejections", response={200: list[RejectionOut], **READ_ERRORS})
def list_rejections(request: HttpRequest, state: str = "") -> list[dict[str, Any]]:
    """The workspace's rejections (at most 500), optionally in one state."""
    states = [state] if state in RejectionState.values else []
    if state and not states:
        return []
    rows = rejections.rejection_list(workspace=_workspace(request), states=states)[:500]
    return [_out(r) for r in rows]


@router.get("/rejections/{rejection_id}", response={200: RejectionOut, **READ_ERRORS})
def get_rejection(request: HttpRequest, rejection_id: Id) -> dict[str, Any]:
    """One rejection with its text and state."""
    return _out(_get(request, rejection_id))


@router.post("/candidacies/{candidacy_id}/rejection", response={201: RejectionOut, **ERRORS})
def reject_candidacy(
    request: HttpRequest, candidacy_id: Id, payload: RejectIn
) -> Status[dict[str, Any]]:
    """Reject a candidacy; rejecting twice is a 422 and changes nothing."""
    require_writer(request)
    c = rejections.candidacy_get(workspace=_workspace(request), pk=candidacy_id)
    r = rejections.candidacy_reject(
        candidacy=c,
        reason_id=payload.reason_id,
        user=request.user,  # type: ignore[arg-type]
        feedback_notes=payload.feedback_notes,
        send_at=payload.send_at,
    )
    return Status(201, _out(_get(request, r.pk)))


@router.post("/rejections/{rejection_id}/review", response={200: RejectionOut, **ERRORS})
def review_rejection(request: HttpRequest, rejection_id: Id, payload: ReviewIn) -> dict[str, Any]:
    """Set the final text and schedule it (until it goes out)."""
    require_writer(request)
    r = _get(request, rejection_id)
    rejections.rejection_review(
        rejection=r,
        user=request.user,  # type: ignore[arg-type]
        subject=payload.subject,
        body=payload.body,
        send_at=payload.send_at,
    )
    return _out(_get(request, rejection_id))


@router.post("/rejections/{rejection_id}/cancel", response={200: RejectionOut, **ERRORS})
def cancel_rejection(request: HttpRequest, rejection_id: Id) -> dict[str, Any]:
    """Cancel before it goes out; the candidacy returns to its stage."""
    require_writer(request)
    r = _get(request, rejection_id)
    rejections.rejection_cancel(rejection=r, user=request.user)  # type: ignore[arg-type]
    return _out(_get(request, rejection_id))


@router.post("/openings/{opening_id}/rejections", response={201: list[RejectionOut], **ERRORS})
def reject_in_bulk(
    request: HttpRequest, opening_id: Id, payload: BulkIn
) -> Status[list[dict[str, Any]]]:
    """Automated rejections for many candidacies of an opening; finalists are refused."""
    require_writer(request)
    done = rejections.rejections_bulk(
        workspace=_workspace(request),
        opening_id=opening_id,
        candidacy_ids=payload.candidacy_ids,
        reason_id=payload.reason_id,
        user=request.user,  # type: ignore[arg-type]
        send_at=payload.send_at,
    )
    return Status(201, [_out(_get(request, r.pk)) for r in done])
