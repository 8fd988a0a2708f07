"""Talent pools: the filter model (no AGG-protected field, ever), dynamic and static pools,
counts and the reasons a member matches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kontaktpflege.contacts.models import Person, Tag
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.models import PoolMember, Skill, TalentPool
from kontaktpflege.recruiting.pools import (
    FILTERABLE_FIELDS,
    PROTECTED_FIELDS,
    clean_filters,
    pool_count,
    pool_create,
    pool_members,
    pool_members_add,
    pool_update,
)
from kontaktpflege.recruiting.tests.factories import make_candidate

pytestmark = pytest.mark.django_db

AGG = {
    "age",
    "birthday",
    "birth_date",
    "date_of_birth",
    "birthday_year",
    "gender",
    "sex",
    "origin",
    "ethnicity",
    "nationality",
    "race",
    "religion",
    "belief",
    "disability",
    "sexual_orientation",
    "marital_status",
    "pregnancy",
    "photo",
}


def test_the_filterable_fields_are_exactly_these_and_none_is_protected_by_the_agg():
    keys = [f.key for f in FILTERABLE_FIELDS]
    assert keys == [
        "tags",
        "skills",
        "career_level",
        "job_type",
        "location",
        "work_mode",
        "stage_reached",
        "consent_state",
        "silver_medallist",
        "contacted_within_days",
        "not_contacted_for_days",
    ]
    for key in keys:
        assert key not in PROTECTED_FIELDS
        assert not set(key.split("_")) & AGG, key
    assert AGG <= PROTECTED_FIELDS


@pytest.mark.parametrize("field", sorted(AGG))
def test_a_filter_naming_a_protected_field_is_refused_with_the_reason(workspace, field):
    with pytest.raises(ValidationError) as exc:
        clean_filters(workspace, {field: "x"})
    assert "AGG" in str(exc.value)


@pytest.mark.parametrize(
    "filters",
    [
        {"shoe_size": 42},
        [],
        "career_level=senior",
        {"career_level": ["senior", "ancient"]},
        {"skills": "Python"},
        {"skills": [True]},
        {"stage_reached": -1},
        {"silver_medallist": "yes"},
        {"location": ""},
        {"tags": [999999]},
    ],
)
def test_unknown_fields_and_malformed_values_are_refused_and_no_pool_is_made(workspace, filters):
    with pytest.raises(ValidationError):
        pool_create(workspace=workspace, name="P", kind="dynamic", filters=filters)
    assert not TalentPool.objects.exists()


@pytest.fixture
def people(workspace, make_person):
    long_ago = timezone.now() - dt.timedelta(days=400)
    ana = make_candidate(
        make_person,
        workspace,
        first_name="Ana",
        tags=["Finalist"],
        skills=["Python", "SQL"],
        career_level="senior",
        job_type="full_time",
        consent_state="granted",
        silver_medallist=True,
        reached_position=40,
        location="Köln",
    )
    ben = make_candidate(
        make_person,
        workspace,
        first_name="Ben",
        skills=["Python"],
        career_level="senior",
        job_type="full_time",
        consent_state="none",
        location="Berlin",
    )
    cem = make_candidate(
        make_person,
        workspace,
        first_name="Cem",
        tags=["Finalist"],
        skills=["Python", "SQL"],
        career_level="entry",
        job_type="full_time",
        consent_state="granted",
    )
    Person.objects.filter(pk=ana.pk).update(last_touched_at=long_ago)
    return ana, ben, cem


def _filters(workspace, **kwargs):
    tag = Tag.objects.get(workspace=workspace, name="Finalist")
    python = Skill.objects.get(workspace=workspace, name="Python")
    base = {"tags": [tag.pk], "skills": [python.pk]}
    return {**base, **kwargs}


def test_a_dynamic_pool_combines_tags_skills_level_job_type_and_consent(workspace, people):
    ana, _ben, _cem = people
    filters = _filters(
        workspace,
        career_level=["senior", "lead"],
        job_type="full_time",
        consent_state=["granted"],
    )
    pool = pool_create(
        workspace=workspace, name="Senior finalists", kind="dynamic", filters=filters
    )
    assert pool.filters["job_type"] == ["full_time"]
    assert pool_count(pool) == (1, False)
    [member] = pool_members(pool, offset=0, limit=50)
    assert member.person == ana
    assert "skills: Python" in member.reasons
    assert "Career level: Senior" in member.reasons


def test_stage_location_silver_and_time_since_last_contact_filter(workspace, people):
    ana, ben, cem = people
    for filters, expected in [
        ({"stage_reached": 40}, [ana]),
        ({"location": "köln"}, [ana]),
        ({"silver_medallist": True}, [ana]),
        ({"not_contacted_for_days": 365}, [ana, ben, cem]),
        ({"contacted_within_days": 365}, []),
    ]:
        pool = pool_create(workspace=workspace, name="P", kind="dynamic", filters=filters)
        found = [m.person for m in pool_members(pool, offset=0, limit=50)]
        assert sorted(found, key=lambda p: p.pk) == expected, filters


def test_a_static_pool_has_chosen_members_only(workspace, people):
    ana, ben, _cem = people
    pool = pool_create(workspace=workspace, name="Chosen", kind="static")
    assert pool_members_add(pool=pool, person_ids=[ana.pk, ben.pk]) == 2
    assert pool_members_add(pool=pool, person_ids=[ana.pk]) == 0
    assert pool_count(pool) == (2, False)
    assert [m.reasons for m in pool_members(pool, offset=0, limit=50)] == [["chosen by hand"]] * 2
    pools.pool_member_remove(pool=pool, person_id=ana.pk)
    assert pool_count(pool) == (1, False)


def test_counts_stop_at_the_cap(workspace, people, monkeypatch):
    monkeypatch.setattr(pools, "COUNT_CAP", 2)
    pool = pool_create(workspace=workspace, name="All", kind="dynamic", filters={})
    assert pool_count(pool) == (2, True)


def test_people_of_another_workspace_cannot_join_a_static_pool(workspace, people, charlie):
    other = Person.objects.create(workspace=charlie.active_workspace, first_name="Eve")
    pool = pool_create(workspace=workspace, name="Chosen", kind="static")
    with pytest.raises(ValidationError):
        pool_members_add(pool=pool, person_ids=[people[0].pk, other.pk])
    assert not PoolMember.objects.exists()


def test_a_filter_with_another_workspaces_tag_is_refused(workspace, people, charlie):
    theirs = Tag.objects.create(workspace=charlie.active_workspace, name="Finalist")
    with pytest.raises(ValidationError):
        clean_filters(workspace, {"tags": [theirs.pk]})


def test_editing_a_pool_with_a_bad_filter_changes_nothing(workspace, people):
    pool = pool_create(
        workspace=workspace, name="P", kind="dynamic", filters={"career_level": ["senior"]}
    )
    with pytest.raises(ValidationError):
        pool_update(pool=pool, name="Q", filters={"age": {"max": 30}})
    pool.refresh_from_db()
    assert (pool.name, pool.filters) == ("P", {"career_level": ["senior"]})
    with pytest.raises(ValidationError):
        pool_members_add(pool=pool, person_ids=[people[0].pk])
