"""A recruiting team's roles: owner, recruiter, viewer. The member role reads "Recruiter" once
recruiting is switched on; viewers read every recruiting screen and change nothing, on the web
and over the API (every write is a 403)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse
from django.utils import timezone

from kontaktpflege.accounts.models import Invitation
from kontaktpflege.accounts.services import api_token_create, membership_add
from kontaktpflege.api.tests.conftest import BASE, ApiClient
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting import models as m
from kontaktpflege.recruiting.tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db


# --- the role's name ---------------------------------------------------------------------


def _members_section(client) -> str:
    html = client.get("/settings/").content.decode()
    return html[html.index('id="members"') :]


def test_the_member_role_reads_recruiter_in_a_recruiting_team(
    alice_client, bob, workspace, recruiting
):
    html = _members_section(alice_client)
    assert "Recruiter" in html
    assert re.search(r'<option value="member"[^>]*>Recruiter</option>', html)
    assert ">Member<" not in html


def test_a_personal_workspace_keeps_the_member_role(alice_client, bob, workspace):
    html = _members_section(alice_client)
    assert re.search(r'<option value="member"[^>]*>Member</option>', html)
    assert "Recruiter" not in html


def test_the_role_labels_follow_the_workspace_and_the_language(workspace, alice, recruiting):
    from django.utils import translation

    from kontaktpflege.accounts.models import role_choices

    with translation.override("en"):
        assert role_choices(workspace) == [
            ("owner", "Owner"),
            ("member", "Recruiter"),
            ("viewer", "Viewer"),
        ]
    with translation.override("de"):
        assert dict(role_choices(workspace))["member"] == "Recruiter:in"
    invitation = Invitation.objects.create(
        workspace=workspace, email="x@example.org", role="member", invited_by=alice
    )
    with translation.override("en"):
        assert invitation.role_label == "Recruiter"
        assert workspace.memberships.get(user=alice).role_label == "Owner"


# --- viewers change nothing --------------------------------------------------------------


@pytest.fixture
def rows(recruiting, candidacy, workspace, alice, make_person, settings):
    """One of every row a recruiting URL names, so each write has a real target."""
    from kontaktpflege.recruiting import cv, pools, rejections, tags
    from kontaktpflege.recruiting.services import candidacy_create

    document = cv.cv_upload(
        candidacy=candidacy, file=SimpleUploadedFile("cv.pdf", pdf_bytes()), filename="cv.pdf"
    )
    later = make_person(first_name="Tim", emails=["tim@example.org"])
    other = candidacy_create(opening=candidacy.opening, person=later)
    reason = m.RejectionReason.objects.filter(workspace=workspace).first()
    rejection = rejections.candidacy_reject(
        candidacy=other,
        reason_id=reason.pk,
        user=alice,
        send_at=timezone.now() + dt.timedelta(days=2),
    )
    pool = pools.pool_create(workspace=workspace, name="Finalists", kind="static")
    pools.pool_members_add(pool=pool, person_ids=[candidacy.person_id])
    tag = tags.candidate_skill_add(person=candidacy.person, name="Python")
    m.CandidateProfile.objects.filter(person=candidacy.person).update(silver_medallist=True)
    return {
        "opening": candidacy.opening_id,
        "candidacy": candidacy.pk,
        "other": other.pk,
        "document": document.pk,
        "stage": m.PipelineStage.objects.filter(workspace=workspace).first().pk,
        "reason": reason.pk,
        "rejection": rejection.pk,
        "pool": pool.pk,
        "person": candidacy.person_id,
        "skill": tag.skill_id,
    }


def _snapshot():
    models = [
        m.RecruitingSettings,
        m.PipelineStage,
        m.RejectionReason,
        m.Opening,
        m.Candidacy,
        m.StageMove,
        m.StageNote,
        m.Rejection,
        m.CandidateDocument,
        m.CandidateProfile,
        m.CandidateSkill,
        m.TalentPool,
        m.PoolMember,
        OutboundMessage,
    ]
    return [list(model.objects.order_by("pk").values()) for model in models]


def _recruiting_patterns() -> list[URLPattern]:
    from kontaktpflege.web.views import pools, recruiting, rejections

    return [*recruiting.urlpatterns, *rejections.urlpatterns, *pools.urlpatterns]


# URL names that only read (a POST to them renders the page or is refused, changing nothing).
READ_ONLY = {
    "openings",
    "opening",
    "candidacy",
    "candidate_document",
    "rejections",
    "pools",
    "pool",
    "opening_matches",
    "candidate_skills",
}


def _args(pattern: URLPattern, rows: dict[str, int]) -> list[int]:
    route = str(pattern.pattern)
    kinds = [
        ("settings/stages/<int:pk>", "stage"),
        ("settings/reasons/<int:pk>", "reason"),
        ("openings/<int:pk>", "opening"),
        ("candidacies/<int:pk>", "candidacy"),
        ("documents/<int:pk>", "document"),
        ("rejections/<int:pk>", "rejection"),
        ("candidates/<int:person_id>", "person"),
        ("pools/<int:pk>", "pool"),
        ("people/<int:pk>", "person"),
    ]
    args = [rows[kind] for prefix, kind in kinds if prefix in route]
    if "<int:person_pk>" in route:
        args.append(rows["person"])
    if "<int:skill_pk>" in route:
        args.append(rows["skill"])
    return args


def test_a_viewer_gets_403_for_every_recruiting_write_on_the_web(viewer_client, rows):
    before = _snapshot()
    writes = 0
    for pattern in _recruiting_patterns():
        url = reverse(pattern.name, args=_args(pattern, rows))
        response = viewer_client.post(url, {"confirm": "1", "name": "X", "label": "X"})
        if pattern.name in READ_ONLY:
            assert response.status_code in (200, 403, 405), (url, response.status_code)
            assert viewer_client.get(url).status_code == 200, url
        else:
            writes += 1
            assert response.status_code == 403, (url, response.status_code)
    assert writes >= 25
    assert _snapshot() == before


@pytest.fixture
def viewer_api(workspace):
    from kontaktpflege.accounts.models import User

    user = User.objects.create_user(username="vera", email="vera@example.org", password="x")
    membership_add(workspace=workspace, user=user, role="viewer")
    _token, raw = api_token_create(user=user, workspace=workspace, name="v")
    return ApiClient(raw)


def _api_writes(rows: dict[str, int]) -> list[tuple[str, str, dict]]:
    """Every recruiting write of the API with a body that would succeed for a recruiter."""
    o, c, r, p = rows["opening"], rows["candidacy"], rows["rejection"], rows["pool"]
    person = rows["person"]
    return [
        ("post", "/openings", {"title": "X"}),
        ("patch", f"/openings/{o}", {"title": "X"}),
        ("post", f"/openings/{o}/candidacies", {"person_id": person}),
        ("post", f"/candidacies/{c}/move", {"stage_id": rows["stage"]}),
        ("post", f"/candidacies/{c}/notes", {"text": "X"}),
        ("post", f"/candidacies/{c}/documents", {}),
        ("post", f"/candidacies/{c}/rejection", {"reason_id": rows["reason"]}),
        ("post", f"/rejections/{r}/review", {"subject": "X", "body": "X"}),
        ("post", f"/rejections/{r}/cancel", {}),
        ("post", f"/openings/{o}/rejections", {"candidacy_ids": [c], "reason_id": rows["reason"]}),
        ("post", "/pools", {"name": "X", "kind": "static"}),
        ("patch", f"/pools/{p}", {"name": "X"}),
        ("delete", f"/pools/{p}", {}),
        ("post", f"/pools/{p}/members", {"person_ids": [person]}),
        ("delete", f"/pools/{p}/members/{person}", {}),
        ("post", f"/openings/{o}/invite", {"person_ids": [person]}),
    ]


def test_a_viewer_gets_403_for_every_recruiting_write_of_the_api(viewer_api, rows, client):
    doc = client.get(f"{BASE}/openapi.json").json()
    tags = {"recruiting", "rejections", "talent pools"}
    documented = {
        (method, path.removeprefix(BASE))
        for path, operations in doc["paths"].items()
        for method, op in operations.items()
        if method != "get" and tags & set(op.get("tags", []))
    }
    writes = _api_writes(rows)
    templates = {
        (method, re.sub(r"/\d+", "/{}", path)): (method, path) for method, path, _b in writes
    }
    assert {(m_, re.sub(r"\{[a-z_]+\}", "{}", p)) for m_, p in documented} == set(templates)
    before = _snapshot()
    for method, path, body in writes:
        if method == "delete":
            response = viewer_api.delete(path)
        elif path.endswith("/documents"):
            response = viewer_api.upload(path, file=SimpleUploadedFile("cv.pdf", pdf_bytes()))
        else:
            response = getattr(viewer_api, method)(path, body)
        assert response.status_code == 403, (method, path, response.status_code)
    assert _snapshot() == before
