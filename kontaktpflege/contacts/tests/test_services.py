"""Writes about people: contact points, validation, job changes and deletion."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from kontaktpflege.contacts.models import EmailAddress, Employment, Person, PhoneNumber
from kontaktpflege.contacts.services import (
    organisation_create,
    person_create,
    person_delete,
    person_update,
)


def _emails(person):
    return list(person.emails.order_by("-is_primary", "id").values_list("email", "is_primary"))


def _phones(person):
    return list(person.phones.order_by("-is_primary", "id").values_list("number", "is_primary"))


def test_prepending_an_email_makes_it_the_only_primary(make_person):
    person = make_person(emails=["a@example.org"])
    person_update(person=person, emails=["b@example.org", "a@example.org"])
    assert _emails(person) == [("b@example.org", True), ("a@example.org", False)]


def test_reordering_emails_moves_the_primary_flag(make_person):
    person = make_person(emails=["a@example.org", "b@example.org"])
    person_update(person=person, emails=["b@example.org", "a@example.org"])
    assert _emails(person) == [("b@example.org", True), ("a@example.org", False)]


def test_prepending_a_phone_makes_it_the_only_primary(make_person):
    person = make_person(phones=["+49 30 1234567"])
    person_update(person=person, phones=["+49 89 7654321", "+49 30 1234567"])
    assert _phones(person) == [("+49897654321", True), ("+49301234567", False)]


def test_removing_the_primary_email_promotes_the_next(make_person):
    person = make_person(emails=["a@example.org", "b@example.org"])
    person_update(person=person, emails=["b@example.org"])
    assert _emails(person) == [("b@example.org", True)]


def test_emptying_the_emails_removes_them_all(make_person):
    person = make_person(emails=["a@example.org", "b@example.org"])
    person_update(person=person, emails=[])
    assert _emails(person) == []


def test_the_database_refuses_a_second_primary_email(make_person, workspace):
    person = make_person(emails=["a@example.org"])
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.create(
            workspace=workspace, person=person, email="b@example.org", is_primary=True
        )


def test_the_database_refuses_a_second_primary_phone(make_person, workspace):
    person = make_person(phones=["+49 30 1234567"])
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.create(
            workspace=workspace, person=person, number="+49897654321", is_primary=True
        )


def test_a_bad_email_in_an_update_changes_nothing(make_person):
    person = make_person(emails=["a@example.org"], notes="before")
    with pytest.raises(ValidationError):
        person_update(person=person, emails=["b@example.org", "not an address"], notes="after")
    person.refresh_from_db()
    assert person.notes == "before"
    assert _emails(person) == [("a@example.org", True)]


def test_duplicate_emails_in_one_edit_are_kept_once(make_person):
    person = make_person(emails=["A@Example.org", "a@example.org "])
    assert _emails(person) == [("a@example.org", True)]


def test_a_person_needs_a_first_or_last_name(workspace):
    with pytest.raises(ValidationError) as exc:
        person_create(workspace=workspace, first_name="", last_name="  ")
    assert "last_name" in exc.value.message_dict
    assert not Person.objects.filter(workspace=workspace, user__isnull=True).exists()


def test_an_organisation_of_another_workspace_is_refused(make_person, charlie):
    theirs = organisation_create(workspace=charlie.active_workspace, name="Fremd GmbH")
    person = make_person()
    with pytest.raises(ValidationError):
        person_update(person=person, organisation=theirs)
    person.refresh_from_db()
    assert person.organisation_id is None


def test_a_new_employer_is_recorded_as_a_job_change(make_person, workspace):
    old = organisation_create(workspace=workspace, name="Alt AG")
    new = organisation_create(workspace=workspace, name="Neu GmbH")
    person = make_person(organisation=old, job_title="Engineer")
    person_update(person=person, organisation=new, job_title="Lead")
    jobs = list(
        Employment.objects.filter(person=person)
        .order_by("id")
        .values_list("organisation__name", "is_current")
    )
    assert jobs == [("Alt AG", False), ("Neu GmbH", True)]


def test_an_impossible_birthday_is_refused(workspace):
    with pytest.raises(ValidationError):
        person_create(workspace=workspace, last_name="X", birthday_day=31, birthday_month=2)


def test_deleting_a_person_removes_their_contact_points(make_person):
    person = make_person(emails=["a@example.org"], phones=["+49 30 1234567"])
    person_delete(person=person)
    assert not EmailAddress.objects.filter(email="a@example.org").exists()
    assert not PhoneNumber.objects.exists()
