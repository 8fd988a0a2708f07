"""Re-matching: pool members ranked for an opening with reasons; inviting creates the
candidacy and queues the message in one step, for all chosen or none."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.contacts.models import Person
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting.models import Candidacy, Opening, StageMove
from kontaktpflege.recruiting.pools import pool_create, pool_members_add
from kontaktpflege.recruiting.rematch import rematch, rematch_invite
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tests.factories import make_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture
def opening(workspace):
    recruiting_setup(workspace=workspace, enabled=True)
    return Opening.objects.create(
        workspace=workspace,
        title="Data Engineer",
        skills=["Python", "SQL", "kubernetes", "Docker", "Git", "Linux"],
        career_level="senior",
        work_mode="remote",
        job_type="full_time",
    )


@pytest.fixture
def people(workspace, make_person):
    five = ["Python", "SQL", "Docker", "Git", "Linux"]
    ana = make_candidate(
        make_person,
        workspace,
        first_name="Ana",
        emails=["ana@example.org"],
        skills=five,
        career_level="senior",
        work_mode="remote",
        job_type="full_time",
        consent_state="granted",
    )
    ben = make_candidate(
        make_person,
        workspace,
        first_name="Ben",
        emails=["ben@example.org"],
        skills=["Python", "SQL"],
        career_level="entry",
        work_mode="onsite",
        job_type="part_time",
    )
    cem = make_candidate(
        make_person,
        workspace,
        first_name="Cem",
        emails=["cem@example.org"],
        skills=five,
        career_level="lead",
        work_mode="hybrid",
        job_type="full_time",
    )
    nobody = make_candidate(make_person, workspace, first_name="Dora", skills=["Excel"])
    gone = make_candidate(
        make_person,
        workspace,
        first_name="Emil",
        skills=five,
        consent_state="withdrawn",
        career_level="senior",
    )
    return ana, ben, cem, nobody, gone


def test_candidates_are_ranked_by_skills_level_place_and_job_type_with_reasons(opening, people):
    ana, ben, cem, _nobody, _gone = people
    ranked = rematch(opening=opening)
    assert [m.person for m in ranked] == [ana, cem, ben]
    best = ranked[0]
    assert set(best.matched) == {"Python", "SQL", "Docker", "Git", "Linux"}
    assert best.missing == ["Kubernetes"]
    assert best.reasons[0].startswith("5 of 6 skills: ")
    assert best.reasons[0].endswith("; missing: Kubernetes")
    assert "level Senior = Senior" in best.reasons
    assert "remote ok" in best.reasons
    assert ranked[1].reasons[1] == "level Lead ≠ Senior"
    assert best.score > ranked[1].score > ranked[2].score


def test_a_pool_narrows_the_ranking(workspace, opening, people):
    _ana, ben, *_ = people
    pool = pool_create(workspace=workspace, name="P", kind="static")

    pool_members_add(pool=pool, person_ids=[ben.pk])
    assert [m.person for m in rematch(opening=opening, pool=pool)] == [ben]


def test_inviting_creates_the_candidacies_and_queues_the_messages(alice, opening, people):
    ana, _ben, cem, *_ = people
    invited = rematch_invite(opening=opening, person_ids=[ana.pk, cem.pk], user=alice)
    assert len(invited) == 2
    candidacy = Candidacy.objects.get(person=ana, opening=opening)
    assert (candidacy.stage.key, candidacy.source) == ("applied", "rematch")
    assert StageMove.objects.filter(candidacy=candidacy).count() == 1
    message = OutboundMessage.objects.get(person=ana)
    assert message.to_address == "ana@example.org"
    assert "Data Engineer" in message.subject
    assert message.state == "queued"
    # They are candidates now: the ranking leaves them out.
    assert [m.person.first_name for m in rematch(opening=opening)] == ["Ben"]


def _snapshot():
    return Candidacy.objects.count(), OutboundMessage.objects.count()


def test_a_bad_invitation_changes_nothing(alice, charlie, opening, people):
    ana, ben, _cem, nobody, gone = people
    theirs = Person.objects.create(workspace=charlie.active_workspace, first_name="Eve")
    rematch_invite(opening=opening, person_ids=[ben.pk], user=alice)
    before = _snapshot()
    for ids in ([ana.pk, theirs.pk], [ana.pk, nobody.pk], [ana.pk, gone.pk], [ana.pk, ben.pk], []):
        with pytest.raises(ValidationError):
            rematch_invite(opening=opening, person_ids=ids, user=alice)
        assert _snapshot() == before, ids
