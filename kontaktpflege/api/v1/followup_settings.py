"""Follow-up settings: the circles' intervals and the rules; owners change them.

A change is validated as a whole and queues a recompute in the worker; the old agenda stays
until the new one is committed, and the run's progress is readable here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from kontaktpflege.api.errors import require_owner
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id
from kontaktpflege.followups import engine, selectors, services
from kontaktpflege.followups.models import RecomputeRun

router = Router(tags=["follow-up settings"])

Days = Annotated[int, Field(ge=1, le=engine.MAX_INTERVAL_DAYS)]
Offset = Annotated[int, Field(ge=0, le=engine.MAX_INTERVAL_DAYS)]
RuleKind = Annotated[str, Field(max_length=40)]


def _sent(**constraints: Any) -> Any:
    """A field of a change: absent means unchanged, null is refused."""
    return Field(None, **constraints)


class RecomputeOut(Schema):
    """A recompute of the workspace's follow-ups in the worker, with its progress."""

    id: int
    total: int
    done: int
    percent: int
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str


class CircleDaysOut(Schema):
    """Keep in touch every … days, per circle."""

    core: int
    active: int
    network: int
    dormant: int


class RuleOut(Schema):
    """One follow-up rule as the workspace has it (defaults with its changes)."""

    kind: str
    offset_days: int
    window_days: int
    weight: int
    threshold: int
    enabled: bool
    scope: str


class FollowUpSettingsOut(Schema):
    """The workspace's follow-up rules and a recompute still running, if any."""

    circle_days: CircleDaysOut
    rules: list[RuleOut]
    recompute: RecomputeOut | None
    can_change: bool


class CircleDaysPatch(Schema):
    """New intervals (1 day to 10 years); circles not sent keep theirs."""

    core: Days = _sent()
    active: Days = _sent()
    network: Days = _sent()
    dormant: Days = _sent()


class RulePatch(Schema):
    """Changes to one rule: offsets and threshold from 0 days to 10 years, on or off."""

    offset_days: Offset = _sent()
    window_days: Offset = _sent()
    threshold: Offset = _sent()
    enabled: bool = _sent()


class FollowUpSettingsPatch(Schema):
    """Rule changes: only what is sent changes; everything is recomputed afterwards."""

    circle_days: CircleDaysPatch | None = None
    rules: dict[RuleKind, RulePatch] = _sent(max_length=50)


def _settings(request: HttpRequest) -> dict[str, Any]:
    workspace = request.workspace  # type: ignore[attr-defined]
    rules, days = services.workspace_rules(workspace)
    return {
        "circle_days": days,
        "rules": [asdict(rule) for rule in rules.values()],
        "recompute": selectors.recompute_running(workspace=workspace),
        "can_change": request.membership.role == "owner",  # type: ignore[attr-defined]
    }


@router.get("/settings/followups", response={200: FollowUpSettingsOut, **READ_ERRORS})
def get_followup_settings(request: HttpRequest) -> dict[str, Any]:
    """The circles' intervals and every rule; `can_change` says whether you may change them."""
    return _settings(request)


@router.patch("/settings/followups", response={202: FollowUpSettingsOut, **ERRORS})
def update_followup_settings(
    request: HttpRequest, payload: FollowUpSettingsPatch
) -> Status[dict[str, Any]]:
    """Change intervals or rules (owners only); a recompute is queued (see `recompute`)."""
    require_owner(request)
    data = payload.dict(exclude_unset=True)
    run = services.followup_rules_update(
        workspace=request.workspace,  # type: ignore[attr-defined]
        circle_days=data.get("circle_days") or {},
        rules=data.get("rules") or {},
    )
    return Status(202, {**_settings(request), "recompute": run})


@router.get("/settings/followups/recomputes/{run_id}", response={200: RecomputeOut, **READ_ERRORS})
def get_recompute(request: HttpRequest, run_id: Id) -> RecomputeRun:
    """The progress of one recompute; `finished_at` is set when the new agenda is in place."""
    return selectors.recompute_run_get(workspace=request.workspace, pk=run_id)  # type: ignore[attr-defined]
