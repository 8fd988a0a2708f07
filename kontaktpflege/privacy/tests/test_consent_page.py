"""The recruiter's consent page of a person: state, history, record with proof, withdraw."""

from __future__ import annotations

import pytest
from django.test import Client

from kontaktpflege.privacy.models import AuditEvent, ConsentRecord
from kontaktpflege.privacy.services import consent_record_by_recruiter, privacy_notice_publish
from kontaktpflege.recruiting.services import recruiting_switch
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

pytestmark = pytest.mark.django_db

PROOF = "phone call 2026-12-01"


@pytest.fixture
def lena(make_person, workspace):
    recruiting_switch(workspace=workspace, enabled=True)
    return make_person(first_name="Lena", last_name="Vogel", emails=["lena@example.com"])


def url(person, action=""):
    return f"/privacy/consent/{person.pk}/" + (f"{action}/" if action else "")


def snapshot() -> list:
    return [
        list(ConsentRecord.objects.order_by("id").values()),
        list(AuditEvent.objects.order_by("id").values()),
    ]


def test_a_recruiter_records_consent_with_proof_for_the_notice_version_shown(
    alice_client, lena, alice
):
    page = alice_client.get(url(lena))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="consent-record-form"' in html and 'value="default-1"' in html
    assert "Talentpool" in html  # the statement in Lena's language, as it will be recorded
    assert_strict_csp(page)
    assert inline_problems(html) == []
    response = alice_client.post(
        url(lena, "record"),
        {"purpose": "talent_pool", "notice_version": "default-1", "proof_note": PROOF},
    )
    assert response.status_code == 302
    record = ConsentRecord.objects.get(person=lena)
    assert (record.kind, record.source, record.proof_note) == ("grant", "recruiter", PROOF)
    assert (record.notice_version, record.recorded_by_id) == ("default-1", alice.pk)
    page = alice_client.get(url(lena)).content.decode()
    assert PROOF in page and 'id="consent-history"' in page
    assert 'id="consent-state-talent_pool">Consented' in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"purpose": "talent_pool", "notice_version": "default-1", "proof_note": ""}, "required"),
        ({"purpose": "talent_pool", "notice_version": "default-1", "proof_note": "ok"}, "at least"),
        ({"purpose": "spam", "notice_version": "default-1", "proof_note": PROOF}, "valid choice"),
    ],
)
def test_consent_without_a_proper_note_of_proof_is_refused(alice_client, lena, data, error):
    before = snapshot()
    response = alice_client.post(url(lena, "record"), data)
    assert response.status_code == 200 and error in response.content.decode()
    assert snapshot() == before


def test_a_notice_published_after_the_page_was_shown_stops_the_record(alice_client, lena, alice):
    privacy_notice_publish(workspace=lena.workspace, language="de", text="Neu", user=alice)
    before = snapshot()
    response = alice_client.post(
        url(lena, "record"),
        {"purpose": "talent_pool", "notice_version": "default-1", "proof_note": PROOF},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "not the current one (now v1)" in html
    assert 'value="v1"' in html and PROOF in html  # offered again for the current version
    assert snapshot() == before


def test_a_withdrawal_on_the_persons_behalf_records_the_channel_once(bob_client, lena, alice):
    consent_record_by_recruiter(person=lena, purpose="talent_pool", user=alice, proof_note=PROOF)
    assert "Im Namen der Person widerrufen" in bob_client.get(url(lena)).content.decode()
    data = {"purpose": "talent_pool", "note": "Anruf am 2.12."}
    assert bob_client.post(url(lena, "withdraw"), data).status_code == 302
    record = ConsentRecord.objects.get(person=lena, kind="withdrawal")
    assert (record.channel, record.proof_note) == ("recruiter", "Anruf am 2.12.")
    before = snapshot()
    again = bob_client.post(url(lena, "withdraw"), data)
    assert again.status_code == 200 and "invalid-feedback" in again.content.decode()
    assert snapshot() == before


def test_a_viewer_reads_the_history_but_cannot_record_or_withdraw(workspace, lena, alice):
    from kontaktpflege.accounts.models import User
    from kontaktpflege.accounts.services import membership_add

    consent_record_by_recruiter(person=lena, purpose="talent_pool", user=alice, proof_note=PROOF)
    vera = User.objects.create_user(username="vera", password="x", language="en")
    membership_add(workspace=workspace, user=vera, role="viewer")
    vera.active_workspace = workspace
    vera.save(update_fields=["active_workspace"])
    client = Client()
    client.force_login(vera)
    page = client.get(url(lena)).content.decode()
    assert PROOF in page and "consent-record-form" not in page
    before = snapshot()
    data = {"purpose": "talent_pool", "notice_version": "default-1", "proof_note": PROOF}
    assert client.post(url(lena, "record"), data).status_code == 403
    assert client.post(url(lena, "withdraw"), {"purpose": "talent_pool"}).status_code == 403
    assert snapshot() == before


def test_another_workspace_gets_404_and_nothing_changes(charlie_client, lena):
    before = snapshot()
    assert charlie_client.get(url(lena)).status_code == 404
    data = {"purpose": "talent_pool", "notice_version": "default-1", "proof_note": PROOF}
    assert charlie_client.post(url(lena, "record"), data).status_code == 404
    assert charlie_client.post(url(lena, "withdraw"), {"purpose": "talent_pool"}).status_code == 404
    assert snapshot() == before


def test_the_person_page_links_to_consent_only_in_a_recruiting_workspace(
    alice_client, make_person, workspace
):
    anna = make_person(first_name="Anna")
    assert "person-consent" not in alice_client.get(f"/people/{anna.pk}/").content.decode()
    assert alice_client.get(url(anna)).status_code == 404
    recruiting_switch(workspace=workspace, enabled=True)
    assert f'href="{url(anna)}"' in alice_client.get(f"/people/{anna.pk}/").content.decode()


def test_the_menu_links_a_teams_requests_and_retention_and_a_personal_users_account(
    alice_client, workspace
):
    personal = alice_client.get("/").content.decode()
    assert 'href="/privacy/account/"' in personal
    assert 'href="/privacy/requests/"' not in personal
    recruiting_switch(workspace=workspace, enabled=True)
    team = alice_client.get("/").content.decode()
    assert 'href="/privacy/requests/"' in team and 'href="/privacy/retention/"' in team
    assert 'href="/privacy/account/"' not in team


def test_the_recruiting_settings_row_alone_decides_the_links_and_the_consent_page(
    alice_client, make_person, workspace
):
    """One switch: the links follow recruiting_enabled (the row the recruiting pages use),
    not a second copy of the flag in the workspace's settings."""
    from kontaktpflege.recruiting.services import recruiting_setup

    anna = make_person(first_name="Anna")
    recruiting_switch(workspace=workspace, enabled=True)
    recruiting_setup(workspace=workspace, enabled=False)  # the row is off, the copy still on
    person_page = alice_client.get(f"/people/{anna.pk}/").content.decode()
    assert "person-consent" not in person_page
    assert 'href="/privacy/requests/"' not in person_page
    assert 'href="/privacy/account/"' in person_page
    assert alice_client.get(url(anna)).status_code == 404
    recruiting_setup(workspace=workspace, enabled=True)
    person_page = alice_client.get(f"/people/{anna.pk}/").content.decode()
    assert f'href="{url(anna)}"' in person_page
    assert 'href="/privacy/requests/"' in person_page
    assert alice_client.get(url(anna)).status_code == 200
