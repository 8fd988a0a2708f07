"""The data subject export holds every row about the person, and every model that points at a
person is either exported or listed as holding no personal data about them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from kontaktpflege.applications.models import (
    Activation,
    Application,
    ApplicationContact,
    Conversation,
    Interview,
)
from kontaktpflege.contacts.models import Employment, Person, PhoneNumber, Relationship, Tag
from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.dataio.models import MergeLog
from kontaktpflege.followups.models import FollowUp, Occasion
from kontaktpflege.privacy.campaign_models import Campaign, CampaignRecipient
from kontaktpflege.privacy.dsr import EXPORT_COVERS, NOT_PERSONAL_DATA, person_export
from kontaktpflege.privacy.models import (
    Anonymisation,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
)
from kontaktpflege.privacy.tests.test_retention import rejected
from kontaktpflege.recruiting.models import (
    CandidateDocument,
    CandidateProfile,
    CandidateSkill,
    PoolMember,
    Skill,
    TalentPool,
)
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert(1)</script>"


def _links_to_person() -> set[tuple[str, str]]:
    """(model label, field name) of every concrete FK, one-to-one and M2M to Person."""
    found = set()
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.get_fields():
            if not getattr(field, "concrete", False) or field.related_model is not Person:
                continue
            if field.many_to_one or field.one_to_one or field.many_to_many:
                found.add((model._meta.label, field.name))
    return found


def test_every_link_to_a_person_is_exported_or_listed_as_not_personal_data():
    links = _links_to_person()
    assert ("applications.Conversation", "person") in links  # the walk sees the apps
    unlisted = links - set(EXPORT_COVERS) - set(NOT_PERSONAL_DATA)
    assert unlisted == set(), f"add these to the export or to NOT_PERSONAL_DATA: {unlisted}"
    assert not set(EXPORT_COVERS) & set(NOT_PERSONAL_DATA)
    assert set(EXPORT_COVERS) | set(NOT_PERSONAL_DATA) <= links  # no stale entries


@pytest.fixture
def lena(workspace, make_person, alice):
    """A person with a row in every model that points at people."""
    lena = make_person(first_name="Lena", last_name=f"Vogel {HOSTILE}", emails=["lena@example.com"])
    rejected(workspace, lena)  # a candidacy with stage notes and a rejection mail
    PhoneNumber.objects.create(workspace=workspace, person=lena, number="+49 171 555")
    CandidateProfile.objects.create(workspace=workspace, person=lena, location="Leipzig")
    ConsentRecord.objects.create(
        workspace=workspace, person=lena, purpose="talent_pool", kind="grant"
    )
    LegalHold.objects.create(workspace=workspace, person=lena, reason="Klage")
    eva = make_person(first_name="Eva", last_name="Lang")
    lena.introduced_by = eva
    lena.save()
    Person.objects.filter(pk=make_person(first_name="Tom", last_name="Kern").pk).update(
        introduced_by=lena
    )
    lena.tags.add(Tag.objects.create(workspace=workspace, name="Alumni"))
    org = organisation_create(workspace=workspace, name="Acme GmbH")
    Employment.objects.create(workspace=workspace, person=lena, organisation=org, title="CFO")
    Relationship.objects.create(
        workspace=workspace, from_person=lena, to_person=eva, notes="Studienfreundin"
    )
    touchpoint_log(workspace=workspace, participants=[lena], summary="Kaffee", notes=HOSTILE)
    FollowUp.objects.create(
        workspace=workspace,
        person=lena,
        rule="keep_in_touch",
        key="kit:1",
        due_on=dt.date(2026, 12, 1),
        original_due_on=dt.date(2026, 12, 1),
    )
    Occasion.objects.create(
        workspace=workspace, person=lena, kind="promotion", on=dt.date(2026, 11, 1), note="CFO"
    )
    app = Application.objects.create(
        workspace=workspace, organisation=org, position="Controller", notes="Über Lena"
    )
    ApplicationContact.objects.create(application=app, person=lena, role="recruiter")
    interview = Interview.objects.create(
        application=app, kind="phone", notes="Lena fragte nach Gehalt", at=timezone.now()
    )
    interview.participants.add(lena)
    talk = Conversation.objects.create(
        workspace=workspace, person=lena, goal="Wie ist Acme?", learned=f"Viel {HOSTILE}"
    )
    other_talk = Conversation.objects.create(workspace=workspace, person=eva, goal="Eva fragen")
    other_talk.new_contacts.add(lena)
    assert talk.pk
    Activation.objects.create(workspace=workspace, person=lena, goal="reminisce", offer="Hilfe")
    skill = Skill.objects.create(workspace=workspace, name="SAP FI")
    CandidateSkill.objects.create(workspace=workspace, person=lena, skill=skill, source="manual")
    pool = TalentPool.objects.create(workspace=workspace, name="Finanzen", kind="manual")
    PoolMember.objects.create(workspace=workspace, pool=pool, person=lena)
    CandidateDocument.objects.create(
        workspace=workspace,
        person=lena,
        file="cv/2026/12/lena.pdf",
        original_name="Lebenslauf Lena.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        text="Lena Vogel, Buchhalterin",
    )
    DataSubjectRequest.objects.create(
        workspace=workspace, person=lena, kind="export", requested_by=alice
    )
    MergeLog.objects.create(
        workspace=workspace, kept_person=lena, removed_person_id=999, removed_name="L. Vogel"
    )
    campaign = Campaign.objects.create(
        workspace=workspace, name="Neuigkeiten", pool=pool, template_key="nurture_update"
    )
    CampaignRecipient.objects.create(
        workspace=workspace, campaign=campaign, person=lena, email="lena@example.com"
    )
    return lena


def test_the_export_has_a_row_for_every_kind_of_data_about_the_person(lena):
    data = person_export(person=lena)
    sections = set(EXPORT_COVERS.values()) - {"anonymisation"}  # she is not anonymised
    empty = {key for key in sections if not _value(data, key)}
    assert empty == set()
    assert data["person"]["introduced_by"] == "Eva Lang"
    assert data["person"]["tags"] == ["Alumni"]
    assert data["introduced"] == ["Tom Kern"]
    assert data["relationships"][0] == {
        "other": "Eva Lang",
        "direction": "from",
        "strength": 3,
        "context": "other",
        "notes": "Studienfreundin",
    }
    assert data["conversations"][0]["goal"] == "Wie ist Acme?"
    assert data["conversations_met_through"][0]["with"] == "Eva Lang"
    assert data["applications"][0]["position"] == "Controller"
    assert data["applications"][0]["role"] == "recruiter"
    assert data["interviews"][0]["notes"] == "Lena fragte nach Gehalt"
    assert data["activations"][0]["offer"] == "Hilfe"
    assert data["follow_ups"][0]["rule"] == "keep_in_touch"
    assert data["occasions"][0]["note"] == "CFO"
    assert data["skills"][0]["skill"] == "SAP FI"
    assert data["talent_pools"][0]["pool"] == "Finanzen"
    doc = data["attachments"][0]
    assert (doc["name"], doc["has_text"], doc["content_type"]) == (
        "Lebenslauf Lena.pdf",
        True,
        "application/pdf",
    )
    assert data["requests"][0]["kind"] == "export"
    assert data["merges"][0]["removed_name"] == "L. Vogel"
    json.dumps(data, default=str)


def _value(data, key):
    return data.get(key) if key in data else data["person"].get(key)


def test_an_anonymised_person_shows_the_anonymisation(lena, workspace):
    Anonymisation.objects.create(workspace=workspace, person=lena, reason="erasure")
    assert person_export(person=lena)["anonymisation"]["reason"] == "erasure"


def test_the_export_page_shows_the_new_sections_and_escapes_hostile_text(alice_client, lena):
    page = alice_client.get(reverse("privacy_export", args=[lena.pk, "html"]))
    body = page.content.decode()
    assert page.status_code == 200
    assert HOSTILE not in body and "&lt;script&gt;" in body
    for text in ("Wie ist Acme?", "Lena fragte nach Gehalt", "Studienfreundin", "SAP FI"):
        assert text in body
    assert "Conversations" in body and "Interviews" in body and "Follow-ups" in body
    doc = CandidateDocument.objects.get(person=lena)
    assert reverse("candidate_document", args=[doc.pk]) in body


def test_the_export_page_is_german_for_a_german_user(alice, alice_client, lena):
    alice.language = "de"
    alice.save()
    page = alice_client.get(
        reverse("privacy_export", args=[lena.pk, "html"]), HTTP_ACCEPT_LANGUAGE="de"
    )
    body = page.content.decode()
    assert "Gespräche" in body and "Bewerbungen" in body and "Anhänge" in body


def test_the_api_export_holds_the_job_seeker_data(client, api_token, lena):
    response = client.get(
        f"/api/v1/people/{lena.pk}/export", HTTP_AUTHORIZATION=f"Bearer {api_token}"
    )
    assert response.status_code == 200
    data = response.json()
    assert data["conversations"][0]["goal"] == "Wie ist Acme?"
    assert data["attachments"][0]["name"] == "Lebenslauf Lena.pdf"


def test_another_workspace_cannot_export_her(charlie_client, lena):
    response = charlie_client.get(reverse("privacy_export", args=[lena.pk, "json"]))
    assert response.status_code == 404
