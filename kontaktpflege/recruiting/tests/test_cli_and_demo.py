"""`kontaktpflege openings` and the demo's recruiting workspace."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kontaktpflege.cli import ALIASES
from kontaktpflege.recruiting.models import Candidacy, Opening
from kontaktpflege.recruiting.services import candidacy_create, opening_create

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_openings_lists_every_opening_with_its_candidacy_counts(opening, make_person, workspace):
    candidacy_create(opening=opening, person=make_person(first_name="A"))
    candidacy_create(opening=opening, person=make_person(first_name="B"))
    opening_create(workspace=workspace, title="Alte Stelle", status="closed")
    assert ALIASES["openings"] == "list_openings"
    lines = _run("list_openings", "--user", "alice").splitlines()
    assert lines[0].split()[1:4] == ["Closed", "0", "0"]
    assert lines[1].split()[1:4] == ["Open", "2", "2"] and "Backend-Entwickler" in lines[1]
    only = _run("list_openings", "--user", "alice", "--status", "closed")
    assert "Alte Stelle" in only and "Backend" not in only


def test_openings_without_openings_or_user(alice):
    assert _run("list_openings", "--user", "alice").strip() == "—"
    with pytest.raises(CommandError):
        _run("list_openings", "--user", "nobody")


def test_the_demo_has_a_recruiting_workspace_with_candidates_at_several_stages_and_finalists():
    output = _run("load_demo", "--scale", "XS")
    assert "Talent-Team (Demo)" in output
    from kontaktpflege.accounts.models import User

    user = User.objects.get(username="demo")
    team = user.memberships.get(workspace__name="Talent-Team (Demo)").workspace
    assert team.settings["recruiting"] is True
    assert Opening.objects.filter(workspace=team).count() == 3
    stages = set(Candidacy.objects.filter(workspace=team).values_list("stage__key", flat=True))
    assert {"applied", "screening", "final_interview", "offer", "hired"} <= stages
    finalists = Candidacy.objects.filter(workspace=team, reached_stage__key="final_interview")
    assert finalists.count() >= 5
    assert all(c.moves.count() >= 4 for c in finalists)
