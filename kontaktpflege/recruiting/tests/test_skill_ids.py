"""CandidateProfile.skill_ids and tag_ids, the copies of a candidate's skill and contact tags
that pool filters and re-matching read: they follow every tag edit, and the paths that read
them give exactly what the joins they replace give (on generated data, on SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from kontaktpflege.bench.recruiting_data import generate_candidates
from kontaktpflege.contacts.models import Person, Tag
from kontaktpflege.contacts.services import people_bulk_update, person_update, tag_delete
from kontaktpflege.recruiting import rematch as rematch_module
from kontaktpflege.recruiting.models import (
    CandidateDocument,
    CandidateProfile,
    CandidateSkill,
    ExtractionState,
    Opening,
    Skill,
)
from kontaktpflege.recruiting.pools import filtered_profiles
from kontaktpflege.recruiting.rematch import (
    opening_skill_ids,
    ranked_rows,
    ranking_sql,
    rematch,
)
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tags import (
    candidate_skill_add,
    candidate_skill_remove,
    candidate_tags_refresh,
)

pytestmark = pytest.mark.django_db


def _column(person) -> set[str]:
    ids = CandidateProfile.objects.get(person=person).skill_ids
    return set(Skill.objects.filter(pk__in=ids).values_list("name", flat=True))


def _held(person) -> set[str]:
    rows = CandidateSkill.objects.filter(person=person, removed=False)
    return set(rows.values_list("skill__name", flat=True))


@pytest.fixture
def candidate(workspace, make_person):
    recruiting_setup(workspace=workspace, enabled=True)
    person = make_person(first_name="Jana", job_title="Senior Buchhalterin", notes="DATEV")
    CandidateDocument.objects.create(
        workspace=workspace,
        person=person,
        file="cv/x.pdf",
        original_name="cv.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        state=ExtractionState.DONE,
        text="Finanzbuchhaltung, SAP FI, Excel und Python.",
    )
    return person


def test_the_column_follows_the_automatic_pass(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    assert {"Python", "Excel", "DATEV", "SAP FI"} <= _column(candidate)
    assert _column(candidate) == _held(candidate)
    CandidateDocument.objects.filter(person=candidate).update(text="Nur noch Excel.")
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    assert "Python" not in _column(candidate)
    assert _column(candidate) == _held(candidate)
    ids = CandidateProfile.objects.get(person=candidate).skill_ids
    assert ids == sorted(ids)


def test_the_column_follows_corrections_by_hand_and_removals(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    python = Skill.objects.get(workspace=workspace, name="Python")
    candidate_skill_remove(person=candidate, skill_id=python.pk)  # automatic: kept as removed
    assert "Python" not in _column(candidate)
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])  # stays removed
    assert "Python" not in _column(candidate)
    candidate_skill_add(person=candidate, name="python")  # the human puts it back
    assert "Python" in _column(candidate)
    candidate_skill_add(person=candidate, name="kubernetes")
    assert "Kubernetes" in _column(candidate)
    kubernetes = Skill.objects.get(workspace=workspace, name="Kubernetes")
    candidate_skill_remove(person=candidate, skill_id=kubernetes.pk)  # by hand: deleted
    assert "Kubernetes" not in _column(candidate)
    assert _column(candidate) == _held(candidate)


def test_a_first_tag_by_hand_makes_the_profile_with_the_column(workspace, make_person):
    person = make_person(first_name="Neu")
    candidate_skill_add(person=person, name="Docker")
    assert _column(person) == {"Docker"}


def test_a_refused_removal_leaves_the_column_as_it_was(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    before = CandidateProfile.objects.get(person=candidate).skill_ids
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (ValidationError)
        candidate_skill_remove(person=candidate, skill_id=999999)
    assert CandidateProfile.objects.get(person=candidate).skill_ids == before


def _tag_column(person) -> set[str]:
    ids = CandidateProfile.objects.get(person=person).tag_ids
    assert ids == sorted(ids)
    return set(Tag.objects.filter(pk__in=ids).values_list("name", flat=True))


def test_the_tag_column_follows_contact_tags_however_they_are_set(workspace, candidate):
    CandidateProfile.objects.create(workspace=workspace, person=candidate)
    person_update(person=candidate, tags=["Finalist", "Messe"])  # contacts' own service
    assert _tag_column(candidate) == {"Finalist", "Messe"}
    person_update(person=candidate, tags=["Messe"])
    assert _tag_column(candidate) == {"Messe"}
    people_bulk_update(workspace=workspace, person_ids=[candidate.pk], add_tags=["Alumni"])
    assert _tag_column(candidate) == {"Messe", "Alumni"}
    tag_delete(tag=Tag.objects.get(workspace=workspace, name="Messe"))
    assert _tag_column(candidate) == {"Alumni"}
    candidate.tags.clear()  # as privacy's retention does
    assert _tag_column(candidate) == set()


def test_a_profile_made_after_the_tags_starts_with_them(workspace, make_person):
    person = make_person(first_name="Tim", tags=["Finalist"])
    CandidateProfile.objects.create(workspace=workspace, person=person)
    assert _tag_column(person) == {"Finalist"}


def test_a_stale_profile_saved_whole_keeps_the_tags(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    stale = CandidateProfile.objects.get(person=candidate)
    person_update(person=candidate, tags=["Finalist"])
    stale.location = "Köln"
    stale.save()  # tag_ids as read before the tag was set
    assert _tag_column(candidate) == {"Finalist"}


def test_other_people_and_non_candidates_are_left_alone(workspace, candidate, make_person):
    CandidateProfile.objects.create(workspace=workspace, person=candidate)
    other = make_person(first_name="Ohne Profil")
    person_update(person=other, tags=["Finalist"])
    assert not CandidateProfile.objects.filter(person=other).exists()
    assert _tag_column(candidate) == set()


# -- the new paths against the join they replace, on generated data -------------------------


def _by_join(workspace_id: int, skill_ids: list[int], tag_ids: list[int] = ()) -> list[int]:  # type: ignore[assignment]
    """The pool skill and tag filters as they were: one EXISTS per skill and per tag."""
    qs = CandidateProfile.objects.filter(workspace_id=workspace_id)
    for tag_id in tag_ids:
        qs = qs.filter(
            Exists(
                Person.tags.through.objects.filter(tag_id=tag_id, person_id=OuterRef("person_id"))
            )
        )
    for skill_id in skill_ids:
        qs = qs.filter(
            Exists(
                CandidateSkill.objects.filter(
                    workspace_id=workspace_id,
                    skill_id=skill_id,
                    person_id=OuterRef("person_id"),
                    removed=False,
                )
            )
        )
    return list(qs.order_by("-person_id").values_list("person_id", flat=True))


@pytest.fixture
def generated(workspace):
    generate_candidates(workspace=workspace, scale="XS", n=400, seed=7)
    # Some hand corrections, so removed tags are part of the data compared.
    removed = CandidateSkill.objects.filter(workspace=workspace).order_by("pk")[::9]
    CandidateSkill.objects.filter(pk__in=[r.pk for r in removed]).update(removed=True)
    from kontaktpflege.recruiting.tags import candidate_skill_ids_refresh

    candidate_skill_ids_refresh(person_ids=[r.person_id for r in removed])
    return workspace


def test_the_generated_columns_match_the_tags(generated):
    profiles = CandidateProfile.objects.filter(workspace=generated)
    skills = {p.person_id: p.skill_ids for p in profiles}
    tags = {p.person_id: p.tag_ids for p in profiles}
    held: dict[int, list[int]] = {}
    rows = CandidateSkill.objects.filter(workspace=generated, removed=False).order_by("skill_id")
    for person_id, skill_id in rows.values_list("person_id", "skill_id"):
        held.setdefault(person_id, []).append(skill_id)
    assert skills == {pk: held.get(pk, []) for pk in skills}
    tagged: dict[int, list[int]] = {}
    links = Person.tags.through.objects.filter(person__workspace=generated).order_by("tag_id")
    for person_id, tag_id in links.values_list("person_id", "tag_id"):
        tagged.setdefault(person_id, []).append(tag_id)
    assert tags == {pk: tagged.get(pk, []) for pk in tags}
    assert any(tags.values())


@pytest.mark.parametrize(
    "names",
    [["Python"], ["Python", "SQL"], ["Buchhaltung", "Excel", "DATEV"], ["Deutsch"], ["Golang"]],
)
def test_the_skill_filter_finds_what_the_join_finds(generated, names):
    ids = list(Skill.objects.filter(workspace=generated, name__in=names).values_list("pk"))
    ids = [pk for (pk,) in ids]
    found = filtered_profiles(generated.pk, {"skills": ids}).order_by("-person_id")
    expected = _by_join(generated.pk, ids)
    assert list(found.values_list("person_id", flat=True)) == expected
    assert expected  # the comparison is about rows, not two empty lists


@pytest.mark.parametrize(
    ("tags", "more"),
    [
        (["Finalist"], {}),
        (["Finalist", "LinkedIn"], {}),
        (["LinkedIn"], {"career_level": ["senior", "lead"], "consent_state": ["granted"]}),
        (["Empfehlung"], {"skills": ["Python"], "job_type": ["full_time"]}),
    ],
)
def test_the_tag_filter_finds_what_the_join_finds(generated, tags, more):
    tag_ids = sorted(
        Tag.objects.filter(workspace=generated, name__in=tags).values_list("pk", flat=True)
    )
    filters = {"tags": tag_ids, **more}
    skill_ids: list[int] = []
    if "skills" in more:
        skill_ids = sorted(
            Skill.objects.filter(workspace=generated, name__in=more["skills"]).values_list(
                "pk", flat=True
            )
        )
        filters["skills"] = skill_ids
    found = filtered_profiles(generated.pk, filters).order_by("-person_id")
    expected = CandidateProfile.objects.filter(
        person_id__in=_by_join(generated.pk, skill_ids, tag_ids)
    )
    for key in ("career_level", "job_type", "consent_state"):
        if key in more:
            expected = expected.filter(**{f"{key}__in": more[key]})
    want = list(expected.order_by("-person_id").values_list("person_id", flat=True))
    assert list(found.values_list("person_id", flat=True)) == want
    assert want


OPENINGS = [
    {"skills": ["Python", "Docker", "Kubernetes", "SQL", "Git", "Linux"], "work_mode": "remote"},
    {"skills": ["Python", "SQL"], "career_level": "senior", "location": "Köln"},
    {"skills": ["Buchhaltung", "DATEV", "Excel"], "career_level": "lead", "job_type": "part_time"},
    {"skills": ["Golang", "Terraform", "Scrum"], "career_level": "entry"},
    {"skills": ["Deutsch"], "career_level": "senior", "work_mode": "remote"},
]


@pytest.mark.parametrize("spec", OPENINGS)
@pytest.mark.parametrize("limit", [1, 50])
def test_the_ranking_gives_exactly_what_the_full_ranking_gives(generated, spec, limit, monkeypatch):
    monkeypatch.setattr(rematch_module, "holders_first", lambda: True)  # SQLite too
    opening = Opening.objects.create(workspace=generated, title="O", **spec)
    skill_ids = list(opening_skill_ids(opening))
    sql, params = ranking_sql(opening, skill_ids, None, limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        full = [(row[0], float(row[1])) for row in cursor.fetchall()]
    assert full
    assert ranked_rows(opening, skill_ids, None, limit) == full


def test_the_holders_settle_the_list_only_when_nobody_else_can_enter_it(generated, monkeypatch):
    monkeypatch.setattr(rematch_module, "holders_first", lambda: True)  # SQLite too
    opening = Opening.objects.create(workspace=generated, title="O", **OPENINGS[4])
    statements: list[str] = []
    real = rematch_module._run

    def spy(cursor, sql, params):
        statements.append("full" if "WITH m AS" in sql else "holders")
        return real(cursor, sql, params)

    monkeypatch.setattr(rematch_module, "_run", spy)
    rematch(opening=opening, limit=5)  # one skill that everyone has: the holders decide
    assert statements == ["holders"]
    statements.clear()
    hard = Opening.objects.create(workspace=generated, title="H", **OPENINGS[3])
    found = rematch(opening=hard, limit=50)  # nobody holds all three: the full ranking
    assert statements == ["holders", "full"]
    assert found and all(m.missing for m in found)


def test_the_holders_are_asked_first_on_postgresql_only(generated, monkeypatch):
    opening = Opening.objects.create(workspace=generated, title="O", **OPENINGS[4])
    statements: list[str] = []
    real = rematch_module._run

    def spy(cursor, sql, params):
        statements.append("full" if "WITH m AS" in sql else "holders")
        return real(cursor, sql, params)

    monkeypatch.setattr(rematch_module, "_run", spy)
    rematch(opening=opening, limit=5)
    assert statements == (["holders"] if connection.vendor == "postgresql" else ["full"])
