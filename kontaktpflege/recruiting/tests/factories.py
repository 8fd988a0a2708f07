"""Small helpers that build candidates for the pool and re-matching tests."""

from __future__ import annotations

from typing import Any

from kontaktpflege.recruiting.models import CandidateProfile, CandidateSkill, Skill
from kontaktpflege.recruiting.tags import skills_vocabulary_ensure


def make_candidate(make_person: Any, workspace: Any, *, skills: list[str] = (), **profile: Any):  # type: ignore[assignment]
    """A person with a candidate profile and hand-set skill tags (names of the vocabulary)."""
    person_fields = {
        k: profile.pop(k)
        for k in list(profile)
        if k in ("first_name", "last_name", "emails", "tags")
    }
    person = make_person(**person_fields)
    CandidateProfile.objects.create(workspace=workspace, person=person, **profile)
    skills_vocabulary_ensure(workspace=workspace)
    for name in skills:
        CandidateSkill.objects.create(
            workspace=workspace,
            person=person,
            skill=Skill.objects.get(workspace=workspace, name=name),
            source="manual",
        )
    return person
