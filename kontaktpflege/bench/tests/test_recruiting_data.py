"""The candidate generator: profiles, skills, tags and consent in plausible shares, nothing
protected by the AGG, and the pools and re-matching work on what it writes."""

from __future__ import annotations

import pytest

from kontaktpflege.bench.recruiting_data import generate_candidates
from kontaktpflege.contacts.models import Person
from kontaktpflege.recruiting.models import CandidateProfile, CandidateSkill, Opening
from kontaktpflege.recruiting.pools import pool_count, pool_create
from kontaktpflege.recruiting.rematch import rematch

pytestmark = pytest.mark.django_db


def test_the_generator_writes_candidates_with_skills_tags_and_consent(workspace):
    counts = generate_candidates(workspace=workspace, scale="XS", seed=3)
    assert counts["candidates"] == 200
    people = Person.objects.filter(workspace=workspace, candidate__isnull=False)
    assert people.count() == 200
    assert set(people.values_list("gender", flat=True)) == {""}
    assert not people.filter(birthday_year__isnull=False).exists()
    profiles = CandidateProfile.objects.filter(workspace=workspace)
    assert set(profiles.values_list("consent_state", flat=True)) >= {"none", "granted"}
    assert profiles.filter(career_level="student", job_type="working_student").exists()
    per_person = CandidateSkill.objects.filter(workspace=workspace).count() / 200
    assert 3 <= per_person <= 12
    assert counts["emails"] == 200
    Person.objects.create(workspace=workspace, first_name="After")  # the sequence continues


def test_pools_and_rematching_run_on_generated_data(workspace):
    generate_candidates(workspace=workspace, scale="XS", seed=3)
    pool = pool_create(
        workspace=workspace,
        name="P",
        kind="dynamic",
        filters={"career_level": ["senior"], "consent_state": ["granted"]},
    )
    count, _more = pool_count(pool)
    assert 0 < count < 200
    opening = Opening.objects.create(
        workspace=workspace,
        title="Backend",
        skills=["Python", "Docker", "SQL"],
        career_level="senior",
    )
    ranked = rematch(opening=opening, limit=10)
    assert len(ranked) == 10
    assert ranked[0].score >= ranked[-1].score


def test_the_bound_on_the_ranking_never_changes_the_result(workspace, monkeypatch):
    from kontaktpflege.recruiting import rematch as rematch_module

    generate_candidates(workspace=workspace, scale="XS", seed=5)
    opening = Opening.objects.create(
        workspace=workspace,
        title="Backend",
        skills=["Python", "Docker", "SQL", "Git"],
        career_level="senior",
        work_mode="remote",
    )
    wide = [(m.person.pk, m.score) for m in rematch(opening=opening, limit=30)]
    monkeypatch.setattr(rematch_module, "BEST", 1)  # the weakest bound
    assert [(m.person.pk, m.score) for m in rematch(opening=opening, limit=30)] == wide
    monkeypatch.setattr(rematch_module, "OTHER_POINTS", 1000.0)  # no pruning at all
    assert [(m.person.pk, m.score) for m in rematch(opening=opening, limit=30)] == wide
