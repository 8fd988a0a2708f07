"""Data subject requests: export, erasure through verification and approval, bad input."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import person_delete
from kontaktpflege.privacy.audit import audit_verify
from kontaktpflege.privacy.models import (
    Anonymisation,
    AuditEvent,
    DataSubjectRequest,
    LegalHold,
    RequestState,
)
from kontaktpflege.privacy.retention import person_anonymise
from kontaktpflege.privacy.tests.test_retention import rejected


@pytest.fixture
def lena(make_person):
    return make_person(first_name="Lena", last_name="Vogel", emails=["lena@example.com"])


def open_erasure(client, person) -> DataSubjectRequest:
    url = reverse("privacy_request_new", args=[person.pk])
    response = client.post(url, {"kind": "erasure", "note": "Mail vom 1.12."})
    assert response.status_code == 302
    return DataSubjectRequest.objects.get(person=person, kind="erasure")


def step(client, dsr, name):
    return client.post(reverse("privacy_request_step", args=[dsr.pk, name]))


def test_the_export_holds_profile_candidacies_and_messages_and_is_logged(
    alice_client, workspace, lena
):
    rejected(workspace, lena)
    response = alice_client.get(reverse("privacy_export", args=[lena.pk, "json"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["emails"] == ["lena@example.com"]
    assert data["candidacies"][0]["opening"] == "Buchhalter (m/w/d)"
    assert data["candidacies"][0]["stage_notes"][0]["rating"] == 4
    assert data["messages"][0]["subject"] == "Ihre Bewerbung"
    page = alice_client.get(reverse("privacy_export", args=[lena.pk, "html"]))
    assert page.status_code == 200 and "Ihre Bewerbung" in page.content.decode()
    events = AuditEvent.objects.filter(action="person.exported", subject_id=lena.pk)
    assert events.count() == 2
    assert "Lena" not in str(events[0].data)


def test_erasure_runs_request_verification_approval_anonymisation(
    bob_client, alice_client, workspace, lena
):
    rejected(workspace, lena)
    dsr = open_erasure(bob_client, lena)
    assert step(bob_client, dsr, "verify").status_code == 302
    assert step(alice_client, dsr, "approve").status_code == 302
    dsr.refresh_from_db()
    lena.refresh_from_db()
    assert dsr.state == RequestState.DONE
    assert lena.full_name == f"Anonymised #{lena.pk}"
    assert Anonymisation.objects.get(person=lena).request_id == dsr.pk
    actions = list(AuditEvent.objects.filter(subject_id=lena.pk).values_list("action", flat=True))
    assert actions == [
        "request.erasure.opened",
        "request.erasure.verified",
        "request.erasure.approved",
        "person.anonymised",
        "request.erasure.done",
    ]
    assert audit_verify() == []


def test_the_requester_cannot_approve_their_own_request(alice_client, workspace, lena):
    dsr = open_erasure(alice_client, lena)
    step(alice_client, dsr, "verify")
    response = step(alice_client, dsr, "approve")
    assert "Someone other than the requester" in alice_client.get(response.url).content.decode()
    dsr.refresh_from_db()
    lena.refresh_from_db()
    assert dsr.state == RequestState.VERIFIED
    assert lena.first_name == "Lena"


def test_approving_before_verification_changes_nothing(bob_client, alice_client, lena):
    dsr = open_erasure(bob_client, lena)
    step(alice_client, dsr, "approve")
    dsr.refresh_from_db()
    lena.refresh_from_db()
    assert dsr.state == RequestState.OPEN and dsr.approved_by_id is None
    assert lena.first_name == "Lena"
    assert not Anonymisation.objects.exists()


def test_a_member_cannot_approve(bob_client, alice_client, lena):
    dsr = open_erasure(alice_client, lena)
    step(alice_client, dsr, "verify")
    assert step(bob_client, dsr, "approve").status_code == 403
    dsr.refresh_from_db()
    assert dsr.state == RequestState.VERIFIED


def test_a_legal_hold_stops_an_approved_erasure(bob_client, alice_client, alice, workspace, lena):
    LegalHold.objects.create(workspace=workspace, person=lena, reason="Klage", set_by=alice)
    dsr = open_erasure(bob_client, lena)
    step(bob_client, dsr, "verify")
    step(alice_client, dsr, "approve")
    dsr.refresh_from_db()
    lena.refresh_from_db()
    assert dsr.state == RequestState.VERIFIED
    assert lena.first_name == "Lena"
    assert not AuditEvent.objects.filter(action="person.anonymised").exists()


def test_a_double_submit_opens_one_request(bob_client, lena):
    open_erasure(bob_client, lena)
    url = reverse("privacy_request_new", args=[lena.pk])
    response = bob_client.post(url, {"kind": "erasure"})
    assert response.status_code == 200
    assert "bereits offen" in response.content.decode()  # bob reads German
    assert DataSubjectRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="request.erasure.opened").count() == 1


def test_a_double_verify_changes_nothing_the_second_time(bob_client, alice_client, lena):
    dsr = open_erasure(bob_client, lena)
    step(bob_client, dsr, "verify")
    step(alice_client, dsr, "verify")
    dsr.refresh_from_db()
    assert dsr.verified_by.username == "bob"
    assert AuditEvent.objects.filter(action="request.erasure.verified").count() == 1


def test_nothing_is_deleted_or_anonymised_while_a_request_is_open(bob_client, lena):
    open_erasure(bob_client, lena)
    with pytest.raises(ValidationError):
        person_anonymise(person=lena, reason="retention")
    with pytest.raises(ValidationError):
        person_delete(person=lena)
    assert Person.objects.filter(pk=lena.pk, first_name="Lena").exists()


def test_another_workspace_gets_404_and_nothing_changes(charlie_client, bob_client, lena):
    dsr = open_erasure(bob_client, lena)
    urls = [
        reverse("privacy_request_new", args=[lena.pk]),
        reverse("privacy_request", args=[dsr.pk]),
        reverse("privacy_export", args=[lena.pk, "json"]),
        reverse("privacy_export", args=[lena.pk, "html"]),
    ]
    for url in urls:
        assert charlie_client.get(url).status_code == 404
    assert charlie_client.post(urls[0], {"kind": "export"}).status_code == 404
    assert step(charlie_client, dsr, "verify").status_code == 404
    hold_url = reverse("privacy_hold_set", args=[lena.pk])
    assert charlie_client.post(hold_url, {"reason": "x"}).status_code == 404
    dsr.refresh_from_db()
    assert dsr.state == RequestState.OPEN
    assert DataSubjectRequest.objects.count() == 1
    assert not LegalHold.objects.exists()
    assert not AuditEvent.objects.filter(action="person.exported").exists()


def test_the_pages_render(alice_client, workspace, lena):
    rejected(workspace, lena)
    dsr = open_erasure(alice_client, lena)
    for url in (
        reverse("privacy_requests"),
        reverse("privacy_request", args=[dsr.pk]),
        reverse("privacy_retention"),
    ):
        assert alice_client.get(url).status_code == 200
    assert "Lena Vogel" in alice_client.get(reverse("privacy_retention")).content.decode()


def test_a_legal_hold_is_set_and_released_once(alice_client, lena):
    alice_client.post(reverse("privacy_hold_set", args=[lena.pk]), {"reason": "Klage"})
    hold = LegalHold.objects.get(person=lena)
    url = reverse("privacy_hold_release", args=[lena.pk, hold.pk])
    alice_client.post(url)
    alice_client.post(url)
    hold.refresh_from_db()
    assert hold.released_at is not None
    assert AuditEvent.objects.filter(action="legal_hold.released").count() == 1


def test_the_pages_have_a_strict_csp_and_no_inline_script_or_style(alice_client, workspace, lena):
    from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

    rejected(workspace, lena)
    dsr = open_erasure(alice_client, lena)
    for url in (
        reverse("privacy_requests"),
        reverse("privacy_request", args=[dsr.pk]),
        reverse("privacy_request_new", args=[lena.pk]),
        reverse("privacy_export", args=[lena.pk, "html"]),
        reverse("privacy_retention"),
        reverse("privacy_account"),
    ):
        response = alice_client.get(url)
        assert response.status_code == 200
        assert_strict_csp(response)
        assert inline_problems(response.content.decode()) == [], url


def test_the_delete_page_says_why_a_person_with_an_open_request_stays(bob_client, lena):
    open_erasure(bob_client, lena)
    response = bob_client.post(f"/people/{lena.pk}/delete/", follow=True)
    assert "noch ein Betroffenenantrag offen" in response.content.decode()  # bob reads German
    assert Person.objects.filter(pk=lena.pk).exists()


def test_the_daily_job_is_claimed_once_a_day(db):
    import datetime as dt

    import time_machine

    from kontaktpflege.privacy.retention_tasks import retention_dispatch

    start = dt.datetime(2026, 3, 1, 3, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        assert retention_dispatch.call() is True
        assert retention_dispatch.call() is False
    with time_machine.travel(start + dt.timedelta(days=1, minutes=1), tick=False):
        assert retention_dispatch.call() is True


def test_a_personal_user_deletes_the_whole_account(charlie, charlie_client):
    from kontaktpflege.accounts.models import User, Workspace

    workspace_id = charlie.active_workspace_id
    page = charlie_client.get(reverse("privacy_account"))
    assert page.status_code == 200
    response = charlie_client.post(reverse("privacy_account"), {"password": "pw-charlie-123"})
    assert response.status_code == 302
    assert not User.objects.filter(username="charlie").exists()
    assert not Workspace.objects.filter(pk=workspace_id).exists()


def test_a_wrong_password_deletes_nothing(charlie, charlie_client):
    from kontaktpflege.accounts.models import User

    response = charlie_client.post(reverse("privacy_account"), {"password": "wrong"})
    assert response.status_code == 200
    assert "The password is not correct." in response.content.decode()
    assert User.objects.filter(username="charlie").exists()


def test_a_shared_workspace_stops_the_deletion(alice_client, alice, bob):
    from kontaktpflege.accounts.models import User, Workspace

    page = alice_client.get(reverse("privacy_account"))
    assert "account-blockers" in page.content.decode()
    response = alice_client.post(reverse("privacy_account"), {"password": "pw-alice-123"})
    assert response.status_code == 200
    assert User.objects.filter(username="alice").exists()
    assert Workspace.objects.filter(pk=alice.active_workspace_id).exists()
