"""Talent pools, re-matching for an opening and a candidate's skill tags (issue 14).

Every page works without JavaScript; writes need the member role (viewers read); ids of
another workspace are 404; the recruiting screens exist only where recruiting is switched on.
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
from django.views.decorators.http import require_POST

from kontaktpflege.contacts.selectors import person_get
from kontaktpflege.core.htmx import WorkspaceRequest
from kontaktpflege.recruiting import pools, rematch, tags
from kontaktpflege.recruiting.models import (
    CandidateProfile,
    CandidateSkill,
    PoolKind,
    PoolMember,
    TagSource,
)
from kontaktpflege.recruiting.selectors import pool_page, recruiting_enabled
from kontaktpflege.web.decorators import member_required, writer_required
from kontaktpflege.web.forms.pools import (
    InviteForm,
    MemberForm,
    PoolForm,
    ProfileForm,
    SkillAddForm,
    pool_initial,
)
from kontaktpflege.web.params import int_param

PAGE_SIZE = 50
MAX_PAGE = 200  # deeper pages: narrow the filter instead
POOL_LIST_SIZE = 25  # every pool shown costs a count query


def _require_recruiting(request: WorkspaceRequest) -> None:
    if not recruiting_enabled(request.workspace):
        raise Http404


@member_required
def pool_list(request: WorkspaceRequest) -> TemplateResponse:
    """The pools by name, a page at a time, with live member counts for the page shown."""
    _require_recruiting(request)
    page = pool_page(
        workspace=request.workspace, cursor=request.GET.get("cursor"), size=POOL_LIST_SIZE
    )
    return TemplateResponse(request, "recruiting/pool_list.html", {"page_obj": page})


def _save(request: WorkspaceRequest, form: PoolForm, pool: Any) -> Any:
    data = form.cleaned_data
    try:
        if pool is None:
            kind = data["kind"]
            return pools.pool_create(
                workspace=request.workspace,
                name=data["name"],
                kind=kind,
                filters=form.filters() if kind == PoolKind.DYNAMIC else None,
                description=data["description"],
                user=request.user,  # type: ignore[arg-type]
            )
        filters = form.filters() if pool.kind == PoolKind.DYNAMIC else None
        return pools.pool_update(
            pool=pool, name=data["name"], filters=filters, description=data["description"]
        )
    except ValidationError as exc:
        form.add_service_errors(exc)
        return None


@writer_required
def pool_create(request: WorkspaceRequest) -> HttpResponse:
    """Create a pool: chosen members, or a saved filter."""
    _require_recruiting(request)
    form = PoolForm(request.POST or None, workspace=request.workspace)
    if request.method == "POST" and form.is_valid():
        pool = _save(request, form, None)
        if pool is not None:
            return redirect("pool", pk=pool.pk)
    return TemplateResponse(request, "recruiting/pool_form.html", {"form": form, "pool": None})


@writer_required
def pool_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Rename a pool or change its filter."""
    _require_recruiting(request)
    pool = pools.pool_get(workspace=request.workspace, pk=pk)
    form = PoolForm(
        request.POST or None, workspace=request.workspace, editing=True, initial=pool_initial(pool)
    )
    if request.method == "POST" and form.is_valid() and _save(request, form, pool):
        messages.success(request, _("Saved."))
        return redirect("pool", pk=pool.pk)
    return TemplateResponse(request, "recruiting/pool_form.html", {"form": form, "pool": pool})


@writer_required
def pool_delete(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Delete a pool after a confirmation; its people stay."""
    _require_recruiting(request)
    pool = pools.pool_get(workspace=request.workspace, pk=pk)
    if request.method == "POST":
        pools.pool_delete(pool=pool)
        messages.success(request, _("Pool deleted."))
        return redirect("pools")
    return TemplateResponse(request, "recruiting/pool_delete.html", {"pool": pool})


def _member_choices(request: WorkspaceRequest, pool: Any) -> list[tuple[int, str]]:
    """Candidates not yet in the static pool (the newest 300)."""
    taken = PoolMember.objects.filter(pool=pool).values("person_id")
    profiles = (
        CandidateProfile.objects.filter(workspace=request.workspace)
        .exclude(person_id__in=taken)
        .select_related("person")
        .order_by("-person_id")[:300]
    )
    return [(p.person_id, p.person.full_name) for p in profiles]


@member_required
def pool_detail(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """A pool's members, a page at a time, with why each one is in it."""
    _require_recruiting(request)
    pool = pools.pool_get(workspace=request.workspace, pk=pk)
    page = min(int_param(request.GET.get("page")) or 1, MAX_PAGE)
    members = pools.pool_members(pool, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE + 1)
    count, more = pools.pool_count(pool)
    context = {
        "pool": pool,
        "members": members[:PAGE_SIZE],
        "page": page,
        "has_next": len(members) > PAGE_SIZE and page < MAX_PAGE,
        "count": count,
        "more": more,
        "criteria": _criteria(pool),
        "member_form": MemberForm(choices=_member_choices(request, pool))
        if pool.kind == PoolKind.STATIC
        else None,
    }
    return TemplateResponse(request, "recruiting/pool_detail.html", context)


def _criteria(pool: Any) -> list[tuple[str, str]]:
    """The pool's filter in words, for the page."""
    form = PoolForm(workspace=pool.workspace)
    out = []
    for key, value in (pool.filters or {}).items():
        field = form.fields[key]
        names = dict(getattr(field, "choices", []) or [])
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(str(names.get(v, v)) for v in values)
        out.append((str(field.label), shown))
    return out


@require_POST
@writer_required
def pool_member_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Add a candidate to a static pool."""
    _require_recruiting(request)
    pool = pools.pool_get(workspace=request.workspace, pk=pk)
    person_id = int_param(request.POST.get("person"))
    try:
        pools.pool_members_add(pool=pool, person_ids=[person_id or 0], user=request.user)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("pool", pk=pool.pk)


@require_POST
@writer_required
def pool_member_remove(request: WorkspaceRequest, pk: int, person_pk: int) -> HttpResponse:
    """Take a person out of a static pool."""
    _require_recruiting(request)
    pool = pools.pool_get(workspace=request.workspace, pk=pk)
    try:
        pools.pool_member_remove(pool=pool, person_id=person_pk)
    except ValidationError:
        raise Http404 from None
    messages.success(request, _("Removed from the pool."))
    return redirect("pool", pk=pool.pk)


# -- re-matching ----------------------------------------------------------------------------


def _matches_page(request: WorkspaceRequest, pk: int, form: Any = None, status: int = 200) -> Any:
    opening = rematch.rematch_opening_get(workspace=request.workspace, pk=pk)
    pool_id = int_param(request.GET.get("pool") or request.POST.get("pool"))
    pool = pools.pool_get(workspace=request.workspace, pk=pool_id) if pool_id else None
    matches = rematch.rematch(opening=opening, pool=pool)
    choices = [(m.person.pk, m.person.full_name) for m in matches]
    context = {
        "opening": opening,
        "pool": pool,
        "pools": pools.pool_list(workspace=request.workspace)[:100],
        "matches": matches,
        "form": form or InviteForm(choices=choices),
    }
    return TemplateResponse(request, "recruiting/pool_matches.html", context, status=status)


@member_required
def opening_matches(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """The best candidates for an opening (of a pool, or all), with the reasons."""
    _require_recruiting(request)
    return _matches_page(request, pk)


@require_POST
@writer_required
def opening_invite(request: WorkspaceRequest, pk: int) -> HttpResponse:
    """Invite the chosen candidates: a queued email and a candidacy each, all or none."""
    _require_recruiting(request)
    opening = rematch.rematch_opening_get(workspace=request.workspace, pk=pk)
    ids = [n for n in (int_param(v) for v in request.POST.getlist("person")) if n]
    form = InviteForm(request.POST, choices=[(i, str(i)) for i in ids])
    if form.is_valid():
        try:
            invited = rematch.rematch_invite(
                opening=opening,
                person_ids=form.cleaned_data["person"],
                user=request.user,  # type: ignore[arg-type]
                notes=form.cleaned_data["notes"],
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, _("Invited: %(n)s.") % {"n": len(invited)})
            return redirect("opening_matches", pk=opening.pk)
    return _matches_page(request, pk, form=form, status=422)


# -- a candidate's skill tags ---------------------------------------------------------------


def _skills_page(request: WorkspaceRequest, pk: int, **forms: Any) -> TemplateResponse:
    person = person_get(workspace=request.workspace, pk=pk)
    profile = CandidateProfile.objects.filter(person=person).first()
    rows = CandidateSkill.objects.filter(person=person).select_related("skill")
    context = {
        "person": person,
        "profile": profile,
        "skills": [r for r in rows.order_by("skill__name") if not r.removed],
        "removed": [r for r in rows.order_by("skill__name") if r.removed],
        "add_form": forms.get("add_form") or SkillAddForm(),
        "profile_form": forms.get("profile_form")
        or ProfileForm(
            initial={
                "career_level": profile.career_level
                if profile and profile.career_level_source == TagSource.MANUAL
                else "",
                "job_type": profile.job_type
                if profile and profile.job_type_source == TagSource.MANUAL
                else "",
            }
        ),
    }
    status = 422 if forms else 200
    return TemplateResponse(request, "recruiting/pool_candidate.html", context, status=status)


@member_required
def candidate_skills(request: WorkspaceRequest, pk: int) -> TemplateResponse:
    """A person's skill tags with their source and evidence, correctable by hand."""
    _require_recruiting(request)
    return _skills_page(request, pk)


@require_POST
@writer_required
def candidate_skill_add(request: WorkspaceRequest, pk: int) -> HttpResponse:
    _require_recruiting(request)
    person = person_get(workspace=request.workspace, pk=pk)
    form = SkillAddForm(request.POST)
    if form.is_valid():
        try:
            tags.candidate_skill_add(person=person, name=form.cleaned_data["skill"])
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            return redirect("candidate_skills", pk=person.pk)
    return _skills_page(request, pk, add_form=form)


@require_POST
@writer_required
def candidate_skill_remove(request: WorkspaceRequest, pk: int, skill_pk: int) -> HttpResponse:
    _require_recruiting(request)
    person = person_get(workspace=request.workspace, pk=pk)
    try:
        tags.candidate_skill_remove(person=person, skill_id=skill_pk)
    except ValidationError:
        raise Http404 from None
    return redirect("candidate_skills", pk=person.pk)


@require_POST
@writer_required
def candidate_profile_edit(request: WorkspaceRequest, pk: int) -> HttpResponse:
    _require_recruiting(request)
    person = person_get(workspace=request.workspace, pk=pk)
    form = ProfileForm(request.POST)
    if form.is_valid():
        tags.candidate_profile_set(person=person, **form.cleaned_data)
        if not form.cleaned_data["career_level"] or not form.cleaned_data["job_type"]:
            tags.candidate_tags_refresh(workspace=request.workspace, person_ids=[person.pk])
        messages.success(request, _("Saved."))
        return redirect("candidate_skills", pk=person.pk)
    return _skills_page(request, pk, profile_form=form)


urlpatterns = [
    path("recruiting/pools/", pool_list, name="pools"),
    path("recruiting/pools/new/", pool_create, name="pool_create"),
    path("recruiting/pools/<int:pk>/", pool_detail, name="pool"),
    path("recruiting/pools/<int:pk>/edit/", pool_edit, name="pool_edit"),
    path("recruiting/pools/<int:pk>/delete/", pool_delete, name="pool_delete"),
    path("recruiting/pools/<int:pk>/members/", pool_member_add, name="pool_member_add"),
    path(
        "recruiting/pools/<int:pk>/members/<int:person_pk>/remove/",
        pool_member_remove,
        name="pool_member_remove",
    ),
    path("recruiting/openings/<int:pk>/matches/", opening_matches, name="opening_matches"),
    path("recruiting/openings/<int:pk>/matches/invite/", opening_invite, name="opening_invite"),
    path("recruiting/people/<int:pk>/skills/", candidate_skills, name="candidate_skills"),
    path("recruiting/people/<int:pk>/skills/add/", candidate_skill_add, name="candidate_skill_add"),
    path(
        "recruiting/people/<int:pk>/skills/<int:skill_pk>/remove/",
        candidate_skill_remove,
        name="candidate_skill_remove",
    ),
    path(
        "recruiting/people/<int:pk>/profile/",
        candidate_profile_edit,
        name="candidate_profile_edit",
    ),
]
