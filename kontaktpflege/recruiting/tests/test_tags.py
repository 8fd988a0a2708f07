"""Automatic tags: the shipped vocabulary, token-aware fuzzy matching, level and job type,
and corrections by hand that the next pass respects."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateDocument,
    CandidateProfile,
    CandidateSkill,
    ExtractionState,
    Opening,
    Skill,
)
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tags import (
    build_matcher,
    candidate_profile_set,
    candidate_skill_add,
    candidate_skill_remove,
    candidate_tags_refresh,
    infer_level,
    match_skills,
    shipped_vocabulary,
    skills_vocabulary_ensure,
)

pytestmark = pytest.mark.django_db


def _names(text: str) -> set[str]:
    terms = shipped_vocabulary()
    matcher = build_matcher((i, t.name, list(t.aliases)) for i, t in enumerate(terms))
    return {terms[i].name for i in match_skills(matcher, text)}


def test_the_shipped_vocabulary_has_about_150_terms_in_german_and_english():
    terms = shipped_vocabulary()
    assert len(terms) >= 150
    names = {t.name for t in terms}
    assert {"Python", "Buchhaltung", "SAP FI", "Projektmanagement"} <= names
    by_name = {t.name: t for t in terms}
    assert "accounting" in by_name["Buchhaltung"].aliases
    assert "project management" in by_name["Projektmanagement"].aliases
    assert len(names) == len(terms)


def test_java_is_not_found_in_javascript_nor_sql_in_postgresql():
    assert _names("Fünf Jahre JavaScript und PostgreSQL") == {"JavaScript", "PostgreSQL"}
    assert _names("Java und SQL") == {"Java", "SQL"}


def test_matching_folds_case_umlauts_hyphens_and_forgives_a_typo():
    assert _names("PROJEKT-MANAGEMENT, buchhaltung") == {"Projektmanagement", "Buchhaltung"}
    assert _names("Projektmanagment (Typo)") == {"Projektmanagement"}
    assert _names("Praesentationstechnik") == {"Präsentationstechnik"}
    assert _names("Accounting and project management") == {"Buchhaltung", "Projektmanagement"}


def test_a_longer_term_wins_over_the_shorter_one_inside_it():
    assert _names("Erfahrung mit SAP-FI") == {"SAP FI"}
    assert _names("C++, C#, .NET, Node.js, CI/CD") == {"C++", "C#", ".NET", "Node.js", "CI/CD"}


def test_short_words_never_match_fuzzily_or_inside_other_words():
    assert _names("Deutsche Bank, Excellence, Scalable") == set()


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Werkstudent Marketing", "student"),
        ("Praktikantin Einkauf", "student"),
        ("Junior Controller", "entry"),
        ("Senior Software Engineer", "senior"),
        ("Teamleiterin Buchhaltung", "lead"),
        ("Head of Finance", "lead"),
        ("Geschäftsführer", "executive"),
        ("Sachbearbeiterin", "professional"),
    ],
)
def test_career_level_comes_from_the_title(title, level):
    assert infer_level([title]) == level


def test_the_vocabulary_is_copied_once_and_stays_editable(workspace):
    assert skills_vocabulary_ensure(workspace=workspace) == len(shipped_vocabulary())
    Skill.objects.filter(workspace=workspace, name="Python").update(aliases=["py"])
    assert skills_vocabulary_ensure(workspace=workspace) == 0
    assert Skill.objects.get(workspace=workspace, name="Python").aliases == ["py"]


@pytest.fixture
def candidate(workspace, make_person):
    recruiting_setup(workspace=workspace, enabled=True)
    person = make_person(
        first_name="Jana",
        last_name="Schäfer",
        job_title="Senior Buchhalterin",
        notes="Sucht eine Stelle in Teilzeit. Kennt DATEV.",
    )
    CandidateDocument.objects.create(
        workspace=workspace,
        person=person,
        file="cv/x.pdf",
        original_name="cv.pdf",
        content_type="application/pdf",
        size=1,
        sha256="0" * 64,
        state=ExtractionState.DONE,
        text="Berufserfahrung: Finanzbuchhaltung, SAP FI, Excel. Kenntnisse in Python.",
    )
    return person


def _tags(person):
    return {
        cs.skill.name: (cs.source, cs.removed)
        for cs in CandidateSkill.objects.filter(person=person).select_related("skill")
    }


def test_a_pass_tags_skills_level_and_job_type_with_evidence(workspace, candidate):
    assert candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk]) == 1
    tags = _tags(candidate)
    assert {"Buchhaltung", "SAP FI", "Excel", "Python", "DATEV"} <= set(tags)
    assert all(v == ("auto", False) for v in tags.values())
    python = CandidateSkill.objects.get(person=candidate, skill__name="Python")
    assert python.evidence.startswith("CV cv.pdf: ") and "Python" in python.evidence
    profile = CandidateProfile.objects.get(person=candidate)
    assert (profile.career_level, profile.career_level_source) == ("senior", "auto")
    assert (profile.job_type, profile.job_type_source) == ("part_time", "auto")


def test_a_removed_auto_tag_stays_removed_and_a_hand_tag_stays_on_the_next_pass(
    workspace, candidate
):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    python = Skill.objects.get(workspace=workspace, name="Python")
    candidate_skill_remove(person=candidate, skill_id=python.pk)
    candidate_skill_add(person=candidate, name="kubernetes")  # an alias spelling, folded
    candidate_skill_add(person=candidate, name="Bilanzbuchhaltung nach HGB")  # a new term
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    tags = _tags(candidate)
    assert tags["Python"] == ("auto", True)
    assert tags["Kubernetes"] == ("manual", False)
    assert tags["Bilanzbuchhaltung nach HGB"] == ("manual", False)


def test_an_auto_tag_no_longer_found_goes_and_a_manual_level_is_kept(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    candidate_profile_set(person=candidate, career_level="lead")
    CandidateDocument.objects.filter(person=candidate).update(text="Nur noch Excel.")
    candidate.job_title = "Werkstudentin"
    candidate.save(update_fields=["job_title"])
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    assert "Python" not in _tags(candidate)
    profile = CandidateProfile.objects.get(person=candidate)
    assert (profile.career_level, profile.career_level_source) == ("lead", "manual")
    assert profile.job_type == "working_student"


def test_candidacy_notes_count_as_answers(workspace, candidate):
    opening = Opening.objects.create(workspace=workspace, title="Buchhaltung")
    stage = recruiting_setup(workspace=workspace).late_stage
    Candidacy.objects.create(
        workspace=workspace,
        person=candidate,
        opening=opening,
        stage=stage,
        notes="Möchte freiberuflich arbeiten, kennt Kubernetes",
    )
    candidate.notes = ""
    candidate.save(update_fields=["notes"])
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    assert "Kubernetes" in _tags(candidate)
    assert CandidateProfile.objects.get(person=candidate).job_type == "freelance"


def test_people_of_another_workspace_are_left_alone(workspace, charlie, candidate):
    other = charlie.active_workspace
    assert candidate_tags_refresh(workspace=other, person_ids=[candidate.pk]) == 0
    assert not CandidateSkill.objects.filter(person=candidate).exists()


def test_bad_corrections_are_refused_and_change_nothing(workspace, candidate):
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    before = _tags(candidate), list(CandidateProfile.objects.values())
    with pytest.raises(ValidationError):
        candidate_skill_add(person=candidate, name="   ")
    with pytest.raises(ValidationError):
        candidate_skill_add(person=candidate, name="x" * 81)
    with pytest.raises(ValidationError):
        candidate_profile_set(person=candidate, career_level="age_30_40")
    with pytest.raises(ValidationError):
        candidate_skill_remove(person=candidate, skill_id=999999)
    assert (_tags(candidate), list(CandidateProfile.objects.values())) == before


def test_changed_notes_bring_the_tag_pass_for_candidates(
    workspace, candidate, settings, django_capture_on_commit_callbacks
):
    from kontaktpflege.contacts.services import person_update

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    candidate_tags_refresh(workspace=workspace, person_ids=[candidate.pk])
    with django_capture_on_commit_callbacks(execute=True):
        person_update(person=candidate, notes="Jetzt auch Kubernetes und Terraform.")
    assert {"Kubernetes", "Terraform"} <= set(_tags(candidate))
