"""The demo's recruiting workspace: a team with openings, candidates at every stage, finalists,
notes and ratings — so a newcomer sees the recruiting side at once (issue 14).

Built through the services (a few dozen rows), so every candidacy has its history.
"""

from __future__ import annotations

import random
import re
from typing import Any

from django.db import transaction
from faker import Faker

from kontaktpflege.accounts.models import Membership, Role, User, Workspace
from kontaktpflege.contacts.services import person_create
from kontaktpflege.core.text import fold
from kontaktpflege.recruiting.models import PipelineStage, StageKind
from kontaktpflege.recruiting.services import (
    candidacy_create,
    candidacy_move,
    opening_create,
    recruiting_switch,
    stage_note_add,
)

OPENINGS = [
    # title, skills, level, location, work mode, job type, status, candidates per stage key
    (
        "Backend-Entwickler:in Python (m/w/d)",
        ["Python", "Django", "PostgreSQL", "Docker"],
        "professional",
        "Köln",
        "hybrid",
        "full_time",
        "open",
        {"applied": 5, "screening": 3, "first_interview": 2, "final_interview": 3},
    ),
    (
        "Controller:in (m/w/d)",
        ["Controlling", "SAP", "Excel", "Reporting"],
        "senior",
        "Düsseldorf",
        "onsite",
        "full_time",
        "open",
        {"applied": 3, "screening": 2, "final_interview": 2, "offer": 1},
    ),
    (
        "UX-Designer:in (Teilzeit)",
        ["UX Design", "Figma", "Nutzerforschung"],
        "professional",
        "",
        "remote",
        "part_time",
        "filled",
        {"first_interview": 1, "final_interview": 2, "hired": 1, "withdrawn": 1},
    ),
]
NOTES = [
    "Starkes Fachgespräch, gute Fragen zum Team.",
    "Gehaltsvorstellung am oberen Rand.",
    "Sehr strukturiert, überzeugende Fallstudie.",
    "Kommunikativ stark, fachlich noch Lücken.",
]


@transaction.atomic
def create_recruiting_workspace(*, user: User, seed: int = 1) -> dict[str, Any]:
    """A team workspace owned by `user`, with recruiting switched on and demo candidates."""
    workspace = Workspace.objects.create(name="Talent-Team (Demo)", settings={"language": "de"})
    Membership.objects.create(user=user, workspace=workspace, role=Role.OWNER)
    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)
    stages = {s.key: s for s in PipelineStage.objects.filter(workspace=workspace)}
    rng = random.Random(seed)
    fake = Faker("de_DE")
    fake.seed_instance(seed)
    counts = {"openings": 0, "candidacies": 0, "finalists": 0}
    for title, skills, level, location, mode, job_type, status, per_stage in OPENINGS:
        opening = opening_create(
            workspace=workspace,
            created_by=user,
            title=title,
            skills=skills,
            career_level=level,
            location=location,
            work_mode=mode,
            job_type=job_type,
            status=status,
        )
        counts["openings"] += 1
        for key, number in per_stage.items():
            for _ in range(number):
                _candidate(opening, stages, key, user, rng, fake)
                counts["candidacies"] += 1
                counts["finalists"] += key in ("final_interview", "offer", "hired")
    return counts


def _ascii(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(name)) or "x"


def _candidate(opening: Any, stages: dict, key: str, user: User, rng: Any, fake: Any) -> None:
    first, last = fake.first_name(), fake.last_name()
    person = person_create(
        workspace=opening.workspace,
        first_name=first,
        last_name=last,
        emails=[f"{_ascii(first)}.{_ascii(last)}.{rng.randrange(10**6)}@example.com"],
        location=fake.city(),
    )
    candidacy = candidacy_create(
        opening=opening, person=person, source=rng.choice(["LinkedIn", "Xing", "Empfehlung"])
    )
    path = [s for s in stages.values() if s.kind == StageKind.ACTIVE]
    path.sort(key=lambda s: s.position)
    target = stages[key]
    for stage in path[1:]:
        if target.kind == StageKind.ACTIVE and stage.position > target.position:
            break
        if target.kind != StageKind.ACTIVE and stage.key == "offer" and key == "withdrawn":
            break
        stage_note_add(
            candidacy=candidacy,
            text=rng.choice(NOTES),
            rating=rng.randint(2, 5),
            author=user,
        )
        candidacy = candidacy_move(candidacy=candidacy, stage=stage, by=user)
    if target.kind != StageKind.ACTIVE:
        candidacy_move(candidacy=candidacy, stage=target, by=user)
