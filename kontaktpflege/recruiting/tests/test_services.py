"""Openings, candidacies, stage moves with history, notes and ratings, and the settings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateProfile,
    Opening,
    PipelineStage,
    RecruitingSettings,
    RejectionReason,
    StageMove,
    StageNote,
)
from kontaktpflege.recruiting.selectors import (
    candidacy_history,
    opening_board,
    opening_list,
    stages_for,
)
from kontaktpflege.recruiting.services import (
    candidacy_create,
    candidacy_move,
    candidate_add_new,
    late_stage_set,
    opening_create,
    opening_update,
    reason_add,
    reason_update,
    recruiting_switch,
    stage_add,
    stage_note_add,
    stage_rename,
    stages_reorder,
)

pytestmark = pytest.mark.django_db


def _snapshot():
    return (
        list(Candidacy.objects.order_by("pk").values()),
        list(StageMove.objects.order_by("pk").values()),
        list(StageNote.objects.order_by("pk").values()),
        list(PipelineStage.objects.order_by("pk").values()),
        list(Opening.objects.order_by("pk").values()),
    )


def test_switching_recruiting_on_sets_the_navigation_flags_in_the_workspace(workspace):
    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)
    workspace.refresh_from_db()
    assert workspace.settings["recruiting"] is True
    assert workspace.settings["job_seeker_areas"] is False
    assert RecruitingSettings.objects.get(workspace=workspace).enabled
    recruiting_switch(workspace=workspace, enabled=False)
    workspace.refresh_from_db()
    assert workspace.settings["recruiting"] is False


def test_an_opening_keeps_its_fields_and_cleans_its_skills(opening):
    assert opening.skills == ["Python", "Django"]
    opening_update(opening=opening, skills="Python, python; SQL\n", status="on_hold")
    opening.refresh_from_db()
    assert opening.skills == ["Python", "SQL"]
    assert opening.status == "on_hold"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "Dev", "status": "bogus"}, "status"),
        ({"title": "Dev", "career_level": "old"}, "career_level"),
        ({"title": "Dev", "skills": ["x" * 81]}, "skills"),
        ({"title": "Dev", "skills": 5}, "skills"),
    ],
)
def test_a_bad_opening_is_refused_and_nothing_is_saved(recruiting, workspace, fields, field):
    with pytest.raises(ValidationError) as exc:
        opening_create(workspace=workspace, **fields)
    assert field in exc.value.message_dict
    assert not Opening.objects.exists()


def test_a_candidacy_starts_at_the_first_stage_with_its_first_move(candidacy, stage):
    assert candidacy.stage == stage("applied")
    assert candidacy.reached_stage == stage("applied")
    (move,) = candidacy_history(candidacy=candidacy)
    assert move.from_stage is None and move.to_stage == stage("applied")
    assert CandidateProfile.objects.get(person=candidacy.person).reached_position == 10


def test_moves_record_history_and_the_furthest_stage_reached_only_grows(candidacy, stage, alice):
    candidacy_move(candidacy=candidacy, stage=stage("final_interview"), by=alice)
    candidacy_move(candidacy=candidacy, stage=stage("screening"), by=alice)
    candidacy.refresh_from_db()
    assert candidacy.stage == stage("screening")
    assert candidacy.reached_stage == stage("final_interview")
    assert candidacy.reached_position == stage("final_interview").position
    history = candidacy_history(candidacy=candidacy)
    assert [(m.from_stage and m.from_stage.key, m.to_stage.key) for m in history] == [
        (None, "applied"),
        ("applied", "final_interview"),
        ("final_interview", "screening"),
    ]
    assert history[1].moved_by == alice
    profile = CandidateProfile.objects.get(person=candidacy.person)
    assert profile.reached_position == stage("final_interview").position


def test_moving_twice_to_the_same_stage_records_one_move(candidacy, stage):
    candidacy_move(candidacy=candidacy, stage=stage("screening"))
    candidacy_move(candidacy=candidacy, stage=stage("screening"))
    assert StageMove.objects.filter(candidacy=candidacy).count() == 2


def test_moving_to_a_stage_of_another_workspace_is_refused_and_nothing_changes(
    candidacy, charlie_recruiting, charlie
):
    foreign = PipelineStage.objects.get(workspace=charlie.active_workspace, key="offer")
    before = _snapshot()
    with pytest.raises(ValidationError) as exc:
        candidacy_move(candidacy=candidacy, stage=foreign)
    assert "stage" in exc.value.message_dict
    assert _snapshot() == before


def test_rejecting_goes_through_the_rejection_workflow_not_a_plain_move(candidacy, stage):
    before = _snapshot()
    with pytest.raises(ValidationError):
        candidacy_move(candidacy=candidacy, stage=stage("rejected"))
    assert _snapshot() == before
    candidacy_move(candidacy=candidacy, stage=stage("rejected"), rejecting=True)
    candidacy.refresh_from_db()
    assert candidacy.stage.key == "rejected"
    assert candidacy.reached_stage.key == "applied"


def test_a_person_of_another_workspace_cannot_become_a_candidate(opening, charlie):
    from kontaktpflege.contacts.services import person_create

    stranger = person_create(workspace=charlie.active_workspace, first_name="Eve")
    with pytest.raises(ValidationError):
        candidacy_create(opening=opening, person=stranger)
    assert not Candidacy.objects.exists()


def test_a_person_is_a_candidate_once_per_opening(candidacy):
    with pytest.raises(ValidationError) as exc:
        candidacy_create(opening=candidacy.opening, person=candidacy.person)
    assert "already a candidate" in str(exc.value)
    assert Candidacy.objects.count() == 1


def test_a_new_candidate_with_a_bad_email_leaves_no_person_behind(opening):
    from kontaktpflege.contacts.models import Person

    before = Person.objects.count()
    with pytest.raises(ValidationError):
        candidate_add_new(opening=opening, first_name="Max", email="not-an-email")
    assert Person.objects.count() == before
    assert not Candidacy.objects.exists()


def test_a_hostile_name_is_stored_as_text(opening):
    hostile = "<script>alert(1)</script>"
    candidacy = candidate_add_new(opening=opening, first_name=hostile, last_name="O'Brien")
    assert candidacy.person.first_name == hostile


def test_notes_and_ratings_belong_to_a_stage(candidacy, stage, alice):
    note = stage_note_add(candidacy=candidacy, text="Starkes Telefonat", rating=4, author=alice)
    assert note.stage == stage("applied") and note.rating == 4
    other = stage_note_add(candidacy=candidacy, rating=2, stage=stage("screening"))
    assert other.stage == stage("screening")


@pytest.mark.parametrize(
    ("text", "rating"), [("", None), ("ok", 0), ("ok", 6), ("x" * 20001, None)]
)
def test_a_bad_note_or_rating_is_refused(candidacy, text, rating):
    with pytest.raises(ValidationError):
        stage_note_add(candidacy=candidacy, text=text, rating=rating)
    assert not StageNote.objects.exists()


def test_stages_can_be_renamed_added_and_reordered_and_reached_positions_follow(
    candidacy, stage, workspace
):
    candidacy_move(candidacy=candidacy, stage=stage("first_interview"))
    stage_rename(stage=stage("screening"), name="Telefonat")
    added = stage_add(workspace=workspace, name="Fallstudie")
    assert added.key == "fallstudie" and added.kind == "active"
    active = [s.pk for s in stages_for(workspace) if s.kind == "active"]
    assert active[-1] == added.pk
    new_order = [active[0], active[2], active[1], active[3], active[5], active[4]]
    stages_reorder(workspace=workspace, active_ids=new_order)
    ordered = list(stages_for(workspace))
    assert [s.pk for s in ordered][:6] == new_order
    assert [s.key for s in ordered][6:] == ["hired", "rejected", "withdrawn"]
    candidacy.refresh_from_db()
    assert candidacy.reached_position == stage("first_interview").position == 20
    assert stage("screening").label == "Telefonat"


def test_a_reorder_that_leaves_out_a_stage_is_refused(recruiting, workspace):
    active = [s.pk for s in stages_for(workspace) if s.kind == "active"]
    before = _snapshot()
    for bad in (active[:-1], [*active, active[0]], [*active[:-1], 10**9]):
        with pytest.raises(ValidationError):
            stages_reorder(workspace=workspace, active_ids=bad)
    assert _snapshot() == before


def test_the_late_stage_is_an_active_stage_of_the_workspace(recruiting, workspace, stage, charlie):
    late_stage_set(workspace=workspace, stage=stage("offer"))
    assert RecruitingSettings.objects.get(workspace=workspace).late_stage == stage("offer")
    with pytest.raises(ValidationError):
        late_stage_set(workspace=workspace, stage=stage("hired"))
    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    foreign = PipelineStage.objects.get(workspace=charlie.active_workspace, key="screening")
    with pytest.raises(ValidationError):
        late_stage_set(workspace=workspace, stage=foreign)
    assert RecruitingSettings.objects.get(workspace=workspace).late_stage == stage("offer")


def test_rejection_reasons_can_be_added_renamed_and_retired(recruiting, workspace):
    reason = reason_add(workspace=workspace, label="  Zu wenig   Erfahrung ")
    assert reason.label == "Zu wenig Erfahrung"
    reason_update(reason=reason, label="Erfahrung fehlt", active=False)
    reason.refresh_from_db()
    assert (reason.label, reason.active) == ("Erfahrung fehlt", False)
    with pytest.raises(ValidationError):
        reason_add(workspace=workspace, label=" ")
    assert RejectionReason.objects.filter(workspace=workspace).count() == 7


def test_the_board_groups_candidacies_by_stage_and_searches_names_and_notes(
    opening, make_person, stage
):
    anna = candidacy_create(opening=opening, person=make_person(first_name="Anna"))
    ben = candidacy_create(opening=opening, person=make_person(first_name="Ben"))
    candidacy_move(candidacy=ben, stage=stage("final_interview"))
    stage_note_add(candidacy=ben, text="Kennt Kubernetes gut")
    columns = {c.stage.key: [x.pk for x in c.cards] for c in opening_board(opening=opening)}
    assert columns["applied"] == [anna.pk]
    assert columns["final_interview"] == [ben.pk]
    found = opening_board(opening=opening, q="kubernetes")
    assert [x.pk for c in found for x in c.cards] == [ben.pk]


def test_the_openings_list_counts_candidacies_and_filters_by_status(opening, candidacy, workspace):
    closed = opening_create(workspace=workspace, title="Alt", status="closed")
    rows = {o.pk: o for o in opening_list(workspace=workspace)}
    assert rows[opening.pk].candidacy_count == 1 and rows[opening.pk].active_count == 1
    assert rows[closed.pk].candidacy_count == 0
    assert [o.pk for o in opening_list(workspace=workspace, status="closed")] == [closed.pk]


def test_a_workspace_with_candidacies_can_be_deleted_but_a_stage_in_use_cannot(
    candidacy, stage, workspace
):
    from django.db.models import RestrictedError

    from kontaktpflege.accounts.models import Workspace

    stage_note_add(candidacy=candidacy, text="ok")
    with pytest.raises(RestrictedError):
        stage("applied").delete()
    Workspace.objects.filter(pk=workspace.pk).delete()
    assert not Candidacy.objects.exists() and not PipelineStage.objects.exists()
