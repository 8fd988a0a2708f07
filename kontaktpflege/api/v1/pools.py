"""Talent pools (with their filters and live counts), pool members, re-matching for an opening
and inviting the chosen candidates. The same services as the web pages; another workspace's
pool or opening is a 404, another workspace's person in a body a 422, and a filter with an
unknown or AGG-protected field a 422 that names it."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from kontaktpflege.api.errors import require_writer
from kontaktpflege.api.schemas import ERRORS, READ_ERRORS, Id, InputSchema
from kontaktpflege.recruiting import pools, rematch
from kontaktpflege.recruiting.models import TalentPool
from kontaktpflege.recruiting.selectors import PoolRow, pool_rows, pool_slice, recruiting_enabled

router = Router(tags=["talent pools"])


class PoolIn(InputSchema):
    name: str = Field(max_length=120)
    kind: str = Field(description="static | dynamic", max_length=8)
    description: str = Field("", max_length=5000)
    filters: dict[str, Any] = Field(
        default_factory=dict,
        description="For dynamic pools, {field: value} over: "
        + ", ".join(f.key for f in pools.FILTERABLE_FIELDS),
    )


class PoolPatch(InputSchema):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=5000)
    filters: dict[str, Any] = Field(default_factory=dict)


class PoolOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    filters: dict[str, Any]
    count: int
    count_capped: bool


class MemberOut(Schema):
    person_id: int
    name: str
    career_level: str
    skills: list[str]
    reasons: list[str]


class MembersIn(InputSchema):
    person_ids: list[Id] = Field(min_length=1, max_length=500)


class PageQuery(InputSchema):
    offset: int = Field(0, ge=0, le=10_000)
    limit: int = Field(50, ge=1, le=200)


class PoolPageQuery(InputSchema):
    offset: int = Field(0, ge=0, le=100_000)
    limit: int = Field(100, ge=1, le=100, description="every pool is counted: at most 100")


class MatchQuery(InputSchema):
    pool: Id | None = None
    limit: int = Field(rematch.TOP, ge=1, le=200)


class MatchOut(Schema):
    person_id: int
    name: str
    score: float
    matched_skills: list[str]
    missing_skills: list[str]
    career_level: str
    reasons: list[str]


class InviteIn(InputSchema):
    person_ids: Annotated[list[Id], Field(min_length=1, max_length=rematch.MAX_INVITE)]
    notes: str = Field("", max_length=2000)


class InvitedOut(Schema):
    person_id: int
    candidacy_id: int
    message_id: int


def _workspace(request: HttpRequest) -> Any:
    workspace = request.workspace  # type: ignore[attr-defined]
    if not recruiting_enabled(workspace):
        raise Http404
    return workspace


def _out(pool: TalentPool) -> dict[str, Any]:
    return _row_out(pool_rows([pool])[0])


def _row_out(row: PoolRow) -> dict[str, Any]:
    pool = row.pool
    return {
        "id": pool.pk,
        "name": pool.name,
        "kind": pool.kind,
        "description": pool.description,
        "filters": pool.filters or {},
        "count": row.count,
        "count_capped": row.more,
    }


@router.get("/pools", response={200: list[PoolOut], **READ_ERRORS})
def list_pools(request: HttpRequest, page: Query[PoolPageQuery]) -> list[dict[str, Any]]:
    """A page of pools by name (`offset`, `limit`; a full page means ask for the next) with
    their filters and live member counts (capped at 10,000)."""
    rows = pool_slice(workspace=_workspace(request), offset=page.offset, limit=page.limit)
    return [_row_out(row) for row in rows]


@router.post("/pools", response={201: PoolOut, **ERRORS})
def create_pool(request: HttpRequest, payload: PoolIn) -> Status[dict[str, Any]]:
    """Create a static pool (no filter) or a dynamic one (a saved filter)."""
    require_writer(request)
    pool = pools.pool_create(
        workspace=_workspace(request),
        name=payload.name,
        kind=payload.kind,
        filters=payload.filters if payload.kind == "dynamic" else (payload.filters or None),
        description=payload.description,
        user=request.user,  # type: ignore[arg-type]
    )
    return Status(201, _out(pool))


@router.get("/pools/{pool_id}", response={200: PoolOut, **READ_ERRORS})
def get_pool(request: HttpRequest, pool_id: Id) -> dict[str, Any]:
    return _out(pools.pool_get(workspace=_workspace(request), pk=pool_id))


@router.patch("/pools/{pool_id}", response={200: PoolOut, **ERRORS})
def update_pool(request: HttpRequest, pool_id: Id, payload: PoolPatch) -> dict[str, Any]:
    """Rename a pool or replace its filter (checked as on creation)."""
    require_writer(request)
    pool = pools.pool_get(workspace=_workspace(request), pk=pool_id)
    pools.pool_update(
        pool=pool,
        name=payload.name,
        filters=payload.filters or None if pool.kind == "static" else payload.filters,
        description=payload.description,
    )
    return _out(pool)


@router.delete("/pools/{pool_id}", response={204: None, **ERRORS})
def delete_pool(request: HttpRequest, pool_id: Id) -> Status[None]:
    require_writer(request)
    pools.pool_delete(pool=pools.pool_get(workspace=_workspace(request), pk=pool_id))
    return Status(204, None)


@router.get("/pools/{pool_id}/members", response={200: list[MemberOut], **READ_ERRORS})
def list_members(request: HttpRequest, pool_id: Id, page: Query[PageQuery]) -> list[dict[str, Any]]:
    """A page of members, newest candidates first, with why each one matches."""
    pool = pools.pool_get(workspace=_workspace(request), pk=pool_id)
    return [
        {
            "person_id": m.person.pk,
            "name": m.person.full_name,
            "career_level": m.profile.career_level if m.profile else "",
            "skills": m.skills,
            "reasons": m.reasons,
        }
        for m in pools.pool_members(pool, offset=page.offset, limit=page.limit)
    ]


@router.post("/pools/{pool_id}/members", response={200: dict[str, int], **ERRORS})
def add_members(request: HttpRequest, pool_id: Id, payload: MembersIn) -> dict[str, int]:
    """Add people to a static pool (all of this workspace, or none added)."""
    require_writer(request)
    pool = pools.pool_get(workspace=_workspace(request), pk=pool_id)
    added = pools.pool_members_add(pool=pool, person_ids=payload.person_ids, user=request.user)  # type: ignore[arg-type]
    return {"added": added}


@router.delete("/pools/{pool_id}/members/{person_id}", response={204: None, **ERRORS})
def remove_member(request: HttpRequest, pool_id: Id, person_id: Id) -> Status[None]:
    require_writer(request)
    pool = pools.pool_get(workspace=_workspace(request), pk=pool_id)
    pools.pool_member_remove(pool=pool, person_id=person_id)
    return Status(204, None)


@router.get("/openings/{opening_id}/matches", response={200: list[MatchOut], **READ_ERRORS})
def list_matches(
    request: HttpRequest, opening_id: Id, query: Query[MatchQuery]
) -> list[dict[str, Any]]:
    """The best candidates for an opening (of a pool, or all) with the reasons."""
    workspace = _workspace(request)
    opening = rematch.rematch_opening_get(workspace=workspace, pk=opening_id)
    pool = pools.pool_get(workspace=workspace, pk=query.pool) if query.pool else None
    return [
        {
            "person_id": m.person.pk,
            "name": m.person.full_name,
            "score": m.score,
            "matched_skills": m.matched,
            "missing_skills": m.missing,
            "career_level": m.level,
            "reasons": m.reasons,
        }
        for m in rematch.rematch(opening=opening, pool=pool, limit=query.limit)
    ]


@router.post("/openings/{opening_id}/invite", response={201: list[InvitedOut], **ERRORS})
def invite(request: HttpRequest, opening_id: Id, payload: InviteIn) -> Status[list[dict]]:
    """Invite candidates: an invitation email queued and a candidacy created for each, all
    or none."""
    require_writer(request)
    opening = rematch.rematch_opening_get(workspace=_workspace(request), pk=opening_id)
    invited = rematch.rematch_invite(
        opening=opening,
        person_ids=payload.person_ids,
        user=request.user,  # type: ignore[arg-type]
        notes=payload.notes,
    )
    return Status(
        201,
        [
            {
                "person_id": i.candidacy.person_id,
                "candidacy_id": i.candidacy.pk,
                "message_id": i.message.pk,
            }
            for i in invited
        ],
    )
