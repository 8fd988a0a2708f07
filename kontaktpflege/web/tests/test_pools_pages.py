"""Talent pool pages, re-matching and skill tags on the web: roles, isolation, bad input,
strict CSP on every new page."""

from __future__ import annotations

import pytest

from kontaktpflege.accounts.services import membership_add
from kontaktpflege.contacts.models import Tag
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateSkill,
    Opening,
    PoolMember,
    Skill,
    TalentPool,
)
from kontaktpflege.recruiting.pools import pool_create
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tests.factories import make_candidate
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(workspace, make_person):
    recruiting_setup(workspace=workspace, enabled=True)
    ana = make_candidate(
        make_person,
        workspace,
        first_name="Ana",
        emails=["ana@example.org"],
        tags=["Finalist"],
        skills=["Python", "SQL"],
        career_level="senior",
        job_type="full_time",
        consent_state="granted",
        silver_medallist=True,
    )
    ben = make_candidate(make_person, workspace, first_name="Ben", skills=["Excel"])
    tag = Tag.objects.get(workspace=workspace, name="Finalist")
    dynamic = pool_create(
        workspace=workspace,
        name="Silver",
        kind="dynamic",
        filters={"tags": [tag.pk], "consent_state": ["granted"]},
    )
    static = pool_create(workspace=workspace, name="Chosen", kind="static")
    PoolMember.objects.create(workspace=workspace, pool=static, person=ben)
    opening = Opening.objects.create(
        workspace=workspace,
        title="Data Engineer",
        skills=["Python", "Kubernetes"],
        career_level="senior",
    )
    python = Skill.objects.get(workspace=workspace, name="Python")
    return {
        "ana": ana,
        "ben": ben,
        "dynamic": dynamic,
        "static": static,
        "opening": opening,
        "tag": tag,
        "python": python,
    }


def _pages(t):
    return {
        "pools": "/recruiting/pools/",
        "pool new": "/recruiting/pools/new/",
        "dynamic pool": f"/recruiting/pools/{t['dynamic'].pk}/",
        "static pool": f"/recruiting/pools/{t['static'].pk}/",
        "pool edit": f"/recruiting/pools/{t['dynamic'].pk}/edit/",
        "pool delete": f"/recruiting/pools/{t['dynamic'].pk}/delete/",
        "matches": f"/recruiting/openings/{t['opening'].pk}/matches/",
        "skills": f"/recruiting/people/{t['ana'].pk}/skills/",
    }


def test_every_page_answers_with_a_strict_csp_and_no_inline_script(alice_client, things):
    for name, url in _pages(things).items():
        response = alice_client.get(url)
        assert response.status_code == 200, name
        assert_strict_csp(response)
        assert inline_problems(response.content.decode()) == [], name


def test_the_pool_list_shows_live_counts_and_the_pool_page_why_members_match(
    alice_client, things, django_assert_max_num_queries
):
    html = alice_client.get("/recruiting/pools/").content.decode()
    assert "Silver" in html and "Chosen" in html
    with django_assert_max_num_queries(25):
        html = alice_client.get(f"/recruiting/pools/{things['dynamic'].pk}/").content.decode()
    assert "Ana" in html and "Ben" not in html
    assert "tags: Finalist" in html
    assert "1 member" in html


def test_creating_a_dynamic_pool_from_the_form(alice_client, things):
    response = alice_client.post(
        "/recruiting/pools/new/",
        {
            "name": "Pythonistas",
            "kind": "dynamic",
            "skills": [things["python"].pk],
            "career_level": ["senior"],
        },
    )
    pool = TalentPool.objects.get(name="Pythonistas")
    assert response.status_code == 302
    assert pool.filters == {"skills": [things["python"].pk], "career_level": ["senior"]}


def test_a_bad_pool_form_changes_nothing(alice_client, things):
    before = list(TalentPool.objects.values())
    response = alice_client.post(
        "/recruiting/pools/new/", {"name": "", "kind": "dynamic", "career_level": ["ancient"]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = alice_client.post(
        f"/recruiting/pools/{things['dynamic'].pk}/edit/", {"name": "X", "skills": [999999]}
    )
    assert response.status_code == 200
    assert list(TalentPool.objects.values()) == before


def test_static_pool_members_are_added_and_removed(alice_client, things):
    static, ana = things["static"], things["ana"]
    alice_client.post(f"/recruiting/pools/{static.pk}/members/", {"person": ana.pk})
    assert PoolMember.objects.filter(pool=static).count() == 2
    alice_client.post(f"/recruiting/pools/{static.pk}/members/{ana.pk}/remove/")
    assert PoolMember.objects.filter(pool=static).count() == 1


def test_the_matches_page_ranks_with_reasons_and_inviting_creates_a_candidacy(alice_client, things):
    opening, ana = things["opening"], things["ana"]
    html = alice_client.get(f"/recruiting/openings/{opening.pk}/matches/").content.decode()
    assert "1 of 2 skills: Python; missing: Kubernetes" in html
    assert "level Senior = Senior" in html
    response = alice_client.post(
        f"/recruiting/openings/{opening.pk}/matches/invite/", {"person": [ana.pk]}
    )
    assert response.status_code == 302
    assert Candidacy.objects.filter(opening=opening, person=ana).exists()
    assert OutboundMessage.objects.filter(person=ana, state="queued").count() == 1


def test_skills_can_be_corrected_on_the_candidate_page(alice_client, things):
    ana, python = things["ana"], things["python"]
    alice_client.post(f"/recruiting/people/{ana.pk}/skills/add/", {"skill": "Kubernetes"})
    alice_client.post(f"/recruiting/people/{ana.pk}/skills/{python.pk}/remove/")
    names = set(
        CandidateSkill.objects.filter(person=ana, removed=False).values_list(
            "skill__name", flat=True
        )
    )
    assert names == {"SQL", "Kubernetes"}
    response = alice_client.post(f"/recruiting/people/{ana.pk}/skills/add/", {"skill": " "})
    assert response.status_code == 422


def _snapshot():
    return (
        list(TalentPool.objects.order_by("pk").values()),
        PoolMember.objects.count(),
        Candidacy.objects.count(),
        OutboundMessage.objects.count(),
        list(CandidateSkill.objects.order_by("pk").values()),
    )


def _writes(t):
    d, s, o, a = t["dynamic"].pk, t["static"].pk, t["opening"].pk, t["ana"].pk
    return [
        f"/recruiting/pools/{d}/edit/",
        f"/recruiting/pools/{d}/delete/",
        f"/recruiting/pools/{s}/members/",
        f"/recruiting/pools/{s}/members/{t['ben'].pk}/remove/",
        f"/recruiting/openings/{o}/matches/invite/",
        f"/recruiting/people/{a}/skills/add/",
        f"/recruiting/people/{a}/skills/{t['python'].pk}/remove/",
        f"/recruiting/people/{a}/profile/",
    ]


def test_charlie_gets_404_on_every_page_and_write_of_alices_recruiting(
    charlie, charlie_client, things
):
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)
    before = _snapshot()
    for name, url in _pages(things).items():
        if name not in ("pools", "pool new"):
            assert charlie_client.get(url).status_code == 404, url
    data = {"name": "X", "person": [things["ana"].pk], "skill": "Rust", "career_level": "lead"}
    for url in _writes(things):
        assert charlie_client.post(url, data).status_code == 404, url
    assert _snapshot() == before


def test_charlie_cannot_invite_alices_person_to_his_opening(charlie, charlie_client, things):
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)
    theirs = Opening.objects.create(workspace=charlie.active_workspace, title="Spy")
    before = _snapshot()
    response = charlie_client.post(
        f"/recruiting/openings/{theirs.pk}/matches/invite/", {"person": [things["ana"].pk]}
    )
    assert response.status_code == 422
    assert _snapshot() == before


def test_a_viewer_reads_but_cannot_write(things, django_user_model, client, workspace):
    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    assert client.get(f"/recruiting/pools/{things['dynamic'].pk}/").status_code == 200
    before = _snapshot()
    data = {"name": "X", "person": [things["ana"].pk], "skill": "Rust", "career_level": "lead"}
    for url in _writes(things):
        assert client.post(url, data).status_code == 403, url
    assert _snapshot() == before


def test_the_recruiting_pages_do_not_exist_where_recruiting_is_off(alice_client, things, workspace):
    recruiting_setup(workspace=workspace, enabled=False)
    assert alice_client.get("/recruiting/pools/").status_code == 404


def _pool_names(html):
    import re

    return re.findall(r'href="/recruiting/pools/\d+/">([^<]+)</a>', html)


def _next_link(html):
    import re

    found = re.search(r'rel="next" href="([^"]+)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_pool_list_pages_through_every_pool_beyond_a_hundred(alice_client, things, workspace):
    TalentPool.objects.bulk_create(
        TalentPool(workspace=workspace, name=f"Pool {i:03}", kind="static") for i in range(110)
    )
    seen, url, pages = [], "/recruiting/pools/", 0
    while url and pages < 20:
        html = alice_client.get(url if url.startswith("/") else "/recruiting/pools/" + url)
        html = html.content.decode()
        seen += _pool_names(html)
        url, pages = _next_link(html), pages + 1
    expected = sorted([f"Pool {i:03}" for i in range(110)] + ["Chosen", "Silver"])
    assert sorted(seen) == expected  # each once (the order is the database's collation)
    assert pages > 1


def test_the_pool_list_counts_members_only_for_the_pools_it_shows(alice_client, things, workspace):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    TalentPool.objects.bulk_create(
        TalentPool(workspace=workspace, name=f"Pool {i:03}", kind="static") for i in range(80)
    )
    with CaptureQueriesContext(connection) as queries:
        html = alice_client.get("/recruiting/pools/").content.decode()
    shown = _pool_names(html)
    assert 0 < len(shown) < 82
    member_counts = [q for q in queries if "recruiting_poolmember" in q["sql"]]
    assert len(member_counts) == len([n for n in shown if n != "Silver"])
