"""Privacy: a person's consent records (read, record with a note of proof, withdraw), data
subject requests (export and erasure: open, verify, approve, reject, download the export),
and the workspace's retention period. The same services and roles as the web pages: viewers
read, members write, only an owner approves a request or changes the settings; another
workspace's person or request is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_owner, require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, InputSchema
from kontaktpflege.privacy import dsr, selectors, services
from kontaktpflege.privacy.models import (
    ConsentRecord,
    DataSubjectRequest,
    Purpose,
    RequestKind,
    RequestState,
    WithdrawalChannel,
)

router = Router(tags=["privacy"])


class ConsentStateOut(Schema):
    """The consent for one purpose now, derived from the records."""

    purpose: str
    state: str
    expires_at: dt.datetime | None
    open_request_id: int | None


class ConsentRecordOut(Schema):
    """One append-only consent event (which fields apply depends on `event`)."""

    id: int
    purpose: str
    event: str = Field(description="request | reminder | grant | withdrawal | expiry")
    created_at: dt.datetime
    source: str
    language: str
    text_shown: str
    notice_version: str
    notice_sha256: str
    email: str
    sent_at: dt.datetime | None
    clicked_at: dt.datetime | None
    expires_at: dt.datetime | None
    channel: str
    proof_note: str
    recorded_by: str
    request_id: int | None


class ConsentsOut(Schema):
    current: list[ConsentStateOut]
    records: list[ConsentRecordOut]


class ConsentIn(InputSchema):
    """Consent the person gave outside the app, with how and when (the note of proof)."""

    purpose: Purpose
    proof_note: str = Field(
        max_length=2000, description='How and when they agreed, e.g. "phone call 2026-12-01"'
    )
    notice_version: str = Field(
        "",
        max_length=40,
        description="The privacy-notice version shown to the person; refused when a newer "
        "one was published meanwhile. Empty: the current version.",
    )
    language: Annotated[str, Field(pattern="^(de|en)?$")] = ""


class WithdrawIn(InputSchema):
    """A withdrawal on the person's behalf (e.g. they phoned), with how it reached you."""

    purpose: Purpose
    channel: Literal["recruiter", "api"] = "api"
    note: str = Field("", max_length=2000)


class RequestIn(InputSchema):
    person_id: Id
    kind: RequestKind
    note: str = Field("", max_length=2000)


class RequestQuery(InputSchema):
    kind: RequestKind | None = None
    state: RequestState | None = None


class RequestOut(Schema):
    id: int
    person_id: int
    person_name: str
    kind: str
    state: str
    note: str
    created_at: dt.datetime
    requested_by: str | None
    verified_by: str | None
    verified_at: dt.datetime | None
    approved_by: str | None
    approved_at: dt.datetime | None
    done_at: dt.datetime | None


class PrivacySettingsOut(Schema):
    signup_enabled: bool
    consent_months: int
    retention_months: int = Field(
        description="Months after the rejection was sent until a rejected candidate without "
        "talent-pool consent is anonymised by the daily job"
    )


class PrivacySettingsPatch(InputSchema):
    """Absent fields stay as they are."""

    signup_enabled: bool | None = None
    consent_months: Annotated[int, Field(ge=1, le=36)] | None = None
    retention_months: (
        Annotated[
            int,
            Field(ge=services.RETENTION_MONTHS_RANGE[0], le=services.RETENTION_MONTHS_RANGE[1]),
        ]
        | None
    ) = None


def _record_out(record: ConsentRecord) -> dict[str, Any]:
    return {
        "id": record.pk,
        "purpose": record.purpose,
        "event": record.kind,
        "created_at": record.created_at,
        "source": record.source,
        "language": record.language,
        "text_shown": record.consent_text,
        "notice_version": record.notice_version,
        "notice_sha256": record.notice_sha256,
        "email": record.email,
        "sent_at": record.sent_at,
        "clicked_at": record.clicked_at,
        "expires_at": record.expires_at,
        "channel": record.channel,
        "proof_note": record.proof_note,
        "recorded_by": record.recorded_by_name,
        "request_id": record.request_id,
    }


def _user(user: Any) -> str | None:
    return (user.get_full_name() or user.get_username()) if user is not None else None


def _request_out(found: DataSubjectRequest) -> dict[str, Any]:
    return {
        "id": found.pk,
        "person_id": found.person_id,
        "person_name": found.person.full_name,
        "kind": found.kind,
        "state": found.state,
        "note": found.note,
        "created_at": found.created_at,
        "requested_by": _user(found.requested_by),
        "verified_by": _user(found.verified_by),
        "verified_at": found.verified_at,
        "approved_by": _user(found.approved_by),
        "approved_at": found.approved_at,
        "done_at": found.done_at,
    }


def _person(request: HttpRequest, person_id: int) -> Any:
    return dsr.person_for_request(workspace=request.workspace, pk=person_id)  # type: ignore[attr-defined]


def _dsr(request: HttpRequest, pk: int) -> DataSubjectRequest:
    found = dsr.request_get(workspace=request.workspace, pk=pk)  # type: ignore[attr-defined]
    return found


# ---------------------------------------------------------------- consent


@router.get("/people/{person_id}/consents", response={200: ConsentsOut, **READ_ERRORS})
def list_consents(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    """Every consent record of a person, oldest first, and the state per purpose."""
    person = _person(request, person_id)
    records = selectors.consent_records_for(person=person)
    current = []
    for purpose in Purpose.values:
        status = selectors.consent_status(person=person, purpose=purpose)
        current.append(
            {
                "purpose": purpose,
                "state": status.state,
                "expires_at": status.expires_at,
                "open_request_id": status.open_request.pk if status.open_request else None,
            }
        )
    return {"current": current, "records": [_record_out(r) for r in records]}


@router.post("/people/{person_id}/consents", response={201: ConsentRecordOut, **ERRORS})
def record_consent(request: HttpRequest, person_id: Id, payload: ConsentIn) -> Status[dict]:
    """Record consent given by phone, letter or in person, with the note of proof."""
    require_writer(request)
    record = services.consent_record_by_recruiter(
        person=_person(request, person_id),
        purpose=payload.purpose,
        user=request.user,  # type: ignore[arg-type]
        proof_note=payload.proof_note,
        language=payload.language,
        notice_version=payload.notice_version,
    )
    return Status(201, _record_out(record))


@router.post("/people/{person_id}/consents/withdraw", response={201: ConsentRecordOut, **ERRORS})
def withdraw_consent(request: HttpRequest, person_id: Id, payload: WithdrawIn) -> Status[dict]:
    """Withdraw at once on the person's behalf; 422 when there is no consent or open
    request to end (a second withdrawal changes nothing)."""
    require_writer(request)
    record = services.consent_withdraw_on_behalf(
        person=_person(request, person_id),
        purpose=payload.purpose,
        channel=WithdrawalChannel(payload.channel),
        user=request.user,  # type: ignore[arg-type]
        note=payload.note,
    )
    return Status(201, _record_out(record))


# ---------------------------------------------------------------- data subject requests


@router.get("/privacy/requests", response={200: list[RequestOut], **READ_ERRORS})
def list_requests(request: HttpRequest, query: Query[RequestQuery]) -> list[dict[str, Any]]:
    """The workspace's requests, newest first (at most 200)."""
    rows = dsr.request_list(workspace=request.workspace)  # type: ignore[attr-defined]
    if query.kind:
        rows = rows.filter(kind=query.kind)
    if query.state:
        rows = rows.filter(state=query.state)
    return [_request_out(r) for r in rows[:200]]


@router.post("/privacy/requests", response={201: RequestOut, **ERRORS})
def create_request(request: HttpRequest, payload: RequestIn) -> Status[dict]:
    """Open an export or erasure request about a person (one open request per kind)."""
    require_writer(request)
    found = dsr.request_create(
        person=_person(request, payload.person_id),
        kind=payload.kind,
        user=request.user,  # type: ignore[arg-type]
        note=payload.note,
    )
    return Status(201, _request_out(_dsr(request, found.pk)))


@router.get("/privacy/requests/{request_id}", response={200: RequestOut, **READ_ERRORS})
def get_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    return _request_out(_dsr(request, request_id))


@router.post("/privacy/requests/{request_id}/verify", response={200: RequestOut, **ERRORS})
def verify_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """A member confirms the person's identity was checked."""
    require_writer(request)
    dsr.request_verify(dsr=_dsr(request, request_id), user=request.user)  # type: ignore[arg-type]
    return _request_out(_dsr(request, request_id))


@router.post("/privacy/requests/{request_id}/approve", response={200: RequestOut, **ERRORS})
def approve_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """An owner other than the requester approves a verified request; an erasure then
    anonymises the person (logged), refused while a legal hold stands."""
    require_writer(request)
    dsr.request_approve(
        dsr=_dsr(request, request_id),
        user=request.user,  # type: ignore[arg-type]
        role=request.membership.role,  # type: ignore[attr-defined]
    )
    return _request_out(_dsr(request, request_id))


@router.post("/privacy/requests/{request_id}/reject", response={200: RequestOut, **ERRORS})
def reject_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """Close an open request without carrying it out."""
    require_writer(request)
    dsr.request_reject(dsr=_dsr(request, request_id), user=request.user)  # type: ignore[arg-type]
    return _request_out(_dsr(request, request_id))


@router.get("/privacy/requests/{request_id}/export", response={200: dict[str, Any], **ERRORS})
def download_request_export(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    """Everything about the person of an approved export request, as JSON (audit-logged)."""
    require_writer(request)
    return dsr.request_export(dsr=_dsr(request, request_id), user=request.user)  # type: ignore[arg-type]


@router.get("/people/{person_id}/export", response={200: dict[str, Any], **ERRORS})
def export_person(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    """Everything about a person as JSON, as the web page's one-click export (audit-logged)."""
    require_writer(request)
    return dsr.person_export_record(person=_person(request, person_id), user=request.user)  # type: ignore[arg-type]


# ---------------------------------------------------------------- settings


def _settings_out(found: Any) -> dict[str, Any]:
    return {
        "signup_enabled": found.signup_enabled,
        "consent_months": found.consent_months,
        "retention_months": found.retention_months,
    }


@router.get("/privacy/settings", response={200: PrivacySettingsOut, **READ_ERRORS})
def get_settings(request: HttpRequest) -> dict[str, Any]:
    return _settings_out(services.privacy_settings_ensure(workspace=request.workspace))  # type: ignore[attr-defined]


@router.patch("/privacy/settings", response={200: PrivacySettingsOut, **ERRORS})
def update_settings(request: HttpRequest, payload: PrivacySettingsPatch) -> dict[str, Any]:
    """The owner opens or closes the sign-up, sets how long consent lasts and the retention
    period."""
    require_owner(request)
    workspace = request.workspace  # type: ignore[attr-defined]
    with transaction.atomic():  # all fields or none
        return _settings_out(_settings_update(request, workspace, payload))


def _settings_update(request: HttpRequest, workspace: Any, payload: PrivacySettingsPatch) -> Any:
    found = services.privacy_settings_ensure(workspace=workspace)
    if payload.signup_enabled is not None or payload.consent_months is not None:
        found = services.privacy_settings_save(
            workspace=workspace,
            signup_enabled=found.signup_enabled
            if payload.signup_enabled is None
            else payload.signup_enabled,
            consent_months=payload.consent_months or found.consent_months,
            user=request.user,  # type: ignore[arg-type]
        )
    if payload.retention_months is not None:
        found = services.privacy_retention_save(
            workspace=workspace,
            months=payload.retention_months,
            user=request.user,  # type: ignore[arg-type]
        )
    return found
