"""Possible duplicates, the merge (every row follows) and its undo."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from kontaktpflege.contacts.models import Employment, Person, Relationship
from kontaktpflege.contacts.services import (
    employment_record,
    organisation_get_or_create,
    person_update,
    relationship_set,
)
from kontaktpflege.dataio.backup import backup_workspace
from kontaktpflege.dataio.duplicates import possible_duplicates
from kontaktpflege.dataio.merge import duplicate_dismiss, merge_undo, person_merge
from kontaktpflege.touchpoints.services import touchpoint_log


@pytest.fixture
def pair(make_person, workspace):
    acme = organisation_get_or_create(workspace=workspace, name="Acme")
    a = make_person(
        first_name="Thomas", last_name="Müller", emails=["thomas@example.org"], tags=["Kunde"]
    )
    b = make_person(
        first_name="Tom",
        last_name="Müller",
        emails=["tom@example.org", "thomas@example.org"],
        phones=["+49 170 1111111"],
        tags=["Messe"],
        notes="Met at the fair",
        birthday_day=3,
        birthday_month=4,
    )
    employment_record(person=b, organisation=acme, title="CTO")
    friend = make_person(first_name="Frieda", last_name="Freund")
    other = make_person(first_name="Otto", last_name="Other")
    relationship_set(a=b, b=friend, strength=4)
    relationship_set(a=a, b=b, strength=2)
    relationship_set(a=other, b=a, strength=1)
    relationship_set(a=other, b=b, strength=5)
    touchpoint_log(workspace=workspace, participants=[b, friend], summary="Lunch")
    touchpoint_log(workspace=workspace, participants=[a, b], summary="Call")
    return Person.objects.get(pk=a.pk), Person.objects.get(pk=b.pk), friend


def test_it_lists_possible_duplicates_with_score_and_reason(pair, workspace):
    a, b, _friend = pair
    pairs = possible_duplicates(workspace=workspace)
    assert (pairs[0].a, pairs[0].b) == (a.pk, b.pk)
    assert pairs[0].score == 100
    assert pairs[0].reason == "same email address"


def test_it_finds_similar_names_without_a_shared_contact_point(make_person, workspace):
    a = make_person(first_name="Alexander", last_name="Schulz")
    b = make_person(first_name="Alex", last_name="Schulz")
    make_person(first_name="Berta", last_name="Schulz")
    pairs = possible_duplicates(workspace=workspace)
    assert [(p.a, p.b) for p in pairs] == [(a.pk, b.pk)]
    assert "similar first name" in pairs[0].reason


def test_a_dismissed_pair_is_not_suggested_again(pair, workspace):
    a, b, _friend = pair
    duplicate_dismiss(a=b, b=a)
    assert possible_duplicates(workspace=workspace) == []


def test_merge_keeps_every_touchpoint_edge_job_tag_and_contact_point(pair, workspace):
    a, b, friend = pair
    person_merge(keep=a, remove=b, choices={"first_name": "keep", "notes": "remove"})
    a.refresh_from_db()
    assert not Person.objects.filter(pk=b.pk).exists()
    assert a.first_name == "Thomas"
    assert a.notes == "Met at the fair"
    assert (a.birthday_day, a.birthday_month) == (3, 4)  # blank on a: filled by default
    assert sorted(a.emails.values_list("email", flat=True)) == [
        "thomas@example.org",
        "tom@example.org",
    ]
    assert list(a.phones.values_list("number", flat=True)) == ["+491701111111"]
    assert sorted(a.tags.values_list("name", flat=True)) == ["Kunde", "Messe"]
    assert sorted(a.touchpoints.values_list("summary", flat=True)) == ["Call", "Lunch"]
    assert Employment.objects.filter(person=a, organisation__name="Acme").exists()
    edges = Relationship.objects.filter(workspace=workspace)
    assert edges.filter(from_person=min(a, friend, key=lambda p: p.pk)).exists()
    assert not edges.filter(from_person=a, to_person=a).exists()
    assert a.last_touched_at is not None


def test_undo_restores_both_people_exactly(pair, workspace):
    a, b, _friend = pair
    before = backup_workspace(workspace=workspace)["tables"]
    log = person_merge(keep=a, remove=b, choices={"last_name": "remove", "employment": "remove"})
    merge_undo(log=log)
    after = backup_workspace(workspace=workspace)["tables"]
    after.pop("dataio.mergelog")
    before.pop("dataio.mergelog")
    for label in before:
        strip = [
            {**o, "fields": {k: v for k, v in o["fields"].items() if k != "updated_at"}}
            for o in before[label]
        ]
        again = [
            {**o, "fields": {k: v for k, v in o["fields"].items() if k != "updated_at"}}
            for o in after[label]
        ]
        assert again == strip, label


def test_undo_twice_is_refused(pair):
    a, b, _friend = pair
    log = person_merge(keep=a, remove=b)
    merge_undo(log=log)
    with pytest.raises(ValidationError, match="undone already"):
        merge_undo(log=log)


def test_the_users_own_entry_cannot_be_merged_away(workspace, make_person, alice):
    me = Person.objects.get(workspace=workspace, user=alice)
    other = make_person(first_name="Alice", last_name="Adler")
    with pytest.raises(ValidationError, match="own entry"):
        person_merge(keep=other, remove=me)
    assert Person.objects.filter(pk=me.pk).exists()


def test_a_merge_after_import_keeps_the_import_idempotent(import_file, workspace):
    import_file("linkedin_2021.csv")
    sara = Person.objects.get(workspace=workspace, last_name="Lind")
    felix = Person.objects.get(workspace=workspace, last_name="Roth")
    person_merge(keep=felix, remove=sara)
    outcome = import_file("linkedin_2021.csv")
    assert outcome.counts["new"] == 0


def _later(hours):
    return time_machine.travel(timezone.now() + dt.timedelta(hours=hours), tick=False)


def _merged(pair, django_capture_on_commit_callbacks):
    a, b, _friend = pair
    removed_pk = b.pk
    with (
        _later(1),
        django_capture_on_commit_callbacks(execute=True),
    ):
        log = person_merge(keep=a, remove=b, choices={"last_name": "remove"})
    return Person.objects.get(pk=a.pk), removed_pk, log


def _state(keep_pk, removed_pk):
    keep = Person.objects.get(pk=keep_pk)
    return (
        keep.first_name,
        keep.notes,
        sorted(keep.emails.values_list("email", "is_primary")),
        Person.objects.filter(pk=removed_pk).exists(),
    )


def test_undo_works_after_the_follow_ups_were_refreshed(pair, django_capture_on_commit_callbacks):
    _keep, removed_pk, log = _merged(pair, django_capture_on_commit_callbacks)
    with _later(2):
        merge_undo(log=log)
    assert Person.objects.filter(pk=removed_pk).exists()


def test_undo_is_refused_when_the_kept_person_was_edited_after_the_merge(
    pair, django_capture_on_commit_callbacks
):
    keep, removed_pk, log = _merged(pair, django_capture_on_commit_callbacks)
    with _later(2):
        person_update(person=keep, first_name="Thomas H.", notes="Called about the offer")
        before = _state(keep.pk, removed_pk)
        with pytest.raises(ValidationError, match="edited afterwards"):
            merge_undo(log=log)
    assert _state(keep.pk, removed_pk) == before
    assert before[:2] == ("Thomas H.", "Called about the offer") and not before[3]
    log.refresh_from_db()
    assert log.undone_at is None


def test_undo_is_refused_when_a_moved_row_was_edited_after_the_merge(
    pair, django_capture_on_commit_callbacks
):
    keep, removed_pk, log = _merged(pair, django_capture_on_commit_callbacks)
    with _later(2):
        # The user makes the moved address the primary one (the old primary steps back).
        emails = list(keep.emails.order_by("-is_primary", "id").values_list("email", flat=True))
        emails.remove("tom@example.org")
        person_update(person=keep, emails=["tom@example.org", *emails])
        before = _state(keep.pk, removed_pk)
        with pytest.raises(ValidationError, match="edited afterwards"):
            merge_undo(log=log)
    assert _state(keep.pk, removed_pk) == before
    assert ("tom@example.org", True) in before[2]
    log.refresh_from_db()
    assert log.undone_at is None


def test_undo_of_an_older_merge_gives_participations_their_touchpoints_channel(pair):
    from kontaktpflege.touchpoints.models import Participation

    a, b, _friend = pair
    copied = ("touchpoint_id", "person_id", "channel", "give_take")
    before = set(Participation.objects.values_list(*copied))
    log = person_merge(keep=a, remove=b)
    for row in log.snapshot["related"]:  # a snapshot taken before participations had them
        if row["model"] == "touchpoints.participation":
            del row["fields"]["channel"], row["fields"]["give_take"]
    log.save(update_fields=["snapshot"])
    merge_undo(log=log)
    assert set(Participation.objects.values_list(*copied)) == before
    assert {channel for _t, _p, channel, _g in before} == {"meeting"}
