"""Privacy in the API: consent records (read, record with proof, withdraw), data subject
requests (export, erasure through verification and approval), the retention period."""

from __future__ import annotations

import pytest

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.contacts.models import Person
from kontaktpflege.privacy.models import (
    Anonymisation,
    AuditEvent,
    ConsentRecord,
    DataSubjectRequest,
    LegalHold,
    PrivacySettings,
)
from kontaktpflege.privacy.services import privacy_notice_publish
from kontaktpflege.recruiting.models import CandidateProfile, PoolMember

pytestmark = pytest.mark.django_db

PROOF = "phone call 2026-12-01, 10:15"


@pytest.fixture(autouse=True)
def _english_answers(monkeypatch):
    """The API answers in the Accept-Language's language (German by default): ask in English."""
    original = ApiClient._call

    def call(self, method, path, data=None, **params):
        self.headers.setdefault("Accept-Language", "en")
        return original(self, method, path, data, **params)

    monkeypatch.setattr(ApiClient, "_call", call)


@pytest.fixture
def bob_api(bob, workspace) -> ApiClient:
    from kontaktpflege.accounts.services import api_token_create

    _token, raw = api_token_create(user=bob, workspace=workspace, name="b")
    return ApiClient(raw)


@pytest.fixture
def lena(make_person):
    return make_person(first_name="Lena", last_name="Vogel", emails=["lena@example.com"])


def snapshot() -> list:
    """Everything the privacy API could change."""
    return [
        list(ConsentRecord.objects.order_by("id").values()),
        list(DataSubjectRequest.objects.order_by("id").values()),
        list(AuditEvent.objects.order_by("id").values()),
        list(Anonymisation.objects.order_by("id").values()),
        list(Person.objects.order_by("id").values()),
        list(CandidateProfile.objects.order_by("id").values()),
        list(PrivacySettings.objects.order_by("id").values()),
    ]


# ---------------------------------------------------------------- consent


def test_a_member_records_consent_with_proof_and_reads_the_history(bob_api, lena):
    response = bob_api.post(
        f"/people/{lena.pk}/consents",
        {"purpose": "talent_pool", "proof_note": PROOF, "notice_version": "default-1"},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["event"], body["source"], body["proof_note"]) == ("grant", "recruiter", PROOF)
    assert body["notice_version"] == "default-1" and "Talentpool" in body["text_shown"]
    assert body["recorded_by"] == "bob"
    read = bob_api.get(f"/people/{lena.pk}/consents").json()
    assert [r["id"] for r in read["records"]] == [body["id"]]
    current = {c["purpose"]: c["state"] for c in read["current"]}
    assert current == {"talent_pool": "granted", "campaigns": "none"}
    assert CandidateProfile.objects.get(person=lena).consent_state == "granted"
    assert AuditEvent.objects.filter(action="consent.recorded", subject_id=lena.pk).exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"purpose": "talent_pool"}, "proof_note"),
        ({"purpose": "talent_pool", "proof_note": ""}, "proof_note"),
        ({"purpose": "talent_pool", "proof_note": "   phone  "}, "proof_note"),
        ({"purpose": "marketing", "proof_note": PROOF}, "purpose"),
        ({"purpose": "talent_pool", "proof_note": "x" * 2001}, "proof_note"),
        ({"purpose": "talent_pool", "proof_note": PROOF, "language": "fr"}, "language"),
    ],
)
def test_bad_consent_input_is_refused_and_changes_nothing(api, lena, body, field):
    before = snapshot()
    response = api.post(f"/people/{lena.pk}/consents", body)
    assert response.status_code == 422
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_consent_for_a_notice_version_that_is_no_longer_current_is_refused(api, lena, alice):
    privacy_notice_publish(
        workspace=lena.workspace, language="de", text="Neuer Hinweis", user=alice
    )
    before = snapshot()
    response = api.post(
        f"/people/{lena.pk}/consents",
        {"purpose": "talent_pool", "proof_note": PROOF, "notice_version": "default-1"},
    )
    assert response.status_code == 422
    assert "now v1" in response.json()["errors"]["notice_version"][0]
    assert snapshot() == before
    ok = api.post(
        f"/people/{lena.pk}/consents",
        {"purpose": "talent_pool", "proof_note": PROOF, "notice_version": "v1"},
    )
    assert ok.status_code == 201 and ok.json()["notice_version"] == "v1"


def test_withdrawal_on_the_persons_behalf_is_recorded_once(api, lena, workspace):
    from kontaktpflege.recruiting.models import TalentPool

    api.post(f"/people/{lena.pk}/consents", {"purpose": "talent_pool", "proof_note": PROOF})
    pool = TalentPool.objects.create(workspace=workspace, name="Finance", kind="static")
    PoolMember.objects.create(workspace=workspace, pool=pool, person=lena)
    response = api.post(
        f"/people/{lena.pk}/consents/withdraw",
        {"purpose": "talent_pool", "channel": "recruiter", "note": "Anruf am 2.12."},
    )
    assert response.status_code == 201, response.content
    assert (response.json()["event"], response.json()["channel"]) == ("withdrawal", "recruiter")
    assert not PoolMember.objects.filter(person=lena).exists()
    state = api.get(f"/people/{lena.pk}/consents").json()["current"][0]
    assert state == {
        "purpose": "talent_pool",
        "state": "withdrawn",
        "expires_at": None,
        "open_request_id": None,
    }
    before = snapshot()
    again = api.post(f"/people/{lena.pk}/consents/withdraw", {"purpose": "talent_pool"})
    assert again.status_code == 422
    assert "nothing" in again.json()["detail"]
    assert snapshot() == before


def test_withdrawing_consent_that_was_never_given_changes_nothing(api, lena):
    before = snapshot()
    response = api.post(f"/people/{lena.pk}/consents/withdraw", {"purpose": "campaigns"})
    assert response.status_code == 422 and "purpose" in response.json()["errors"]
    bad = api.post(
        f"/people/{lena.pk}/consents/withdraw", {"purpose": "campaigns", "channel": "link"}
    )
    assert bad.status_code == 422 and "channel" in bad.json()["errors"]
    assert snapshot() == before


def test_a_viewer_reads_consents_but_cannot_record_or_withdraw(viewer_api, api, lena):
    api.post(f"/people/{lena.pk}/consents", {"purpose": "talent_pool", "proof_note": PROOF})
    assert viewer_api.get(f"/people/{lena.pk}/consents").status_code == 200
    before = snapshot()
    writes = [
        (f"/people/{lena.pk}/consents", {"purpose": "campaigns", "proof_note": PROOF}),
        (f"/people/{lena.pk}/consents/withdraw", {"purpose": "talent_pool"}),
        ("/privacy/requests", {"person_id": lena.pk, "kind": "export"}),
    ]
    for path, body in writes:
        assert viewer_api.post(path, body).status_code == 403, path
    assert viewer_api.get(f"/people/{lena.pk}/export").status_code == 403
    assert snapshot() == before


# ---------------------------------------------------------------- data subject requests


def _request(client, person, kind, note=""):
    response = client.post(
        "/privacy/requests", {"person_id": person.pk, "kind": kind, "note": note}
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_an_export_request_is_verified_approved_and_then_downloaded(bob_api, api, lena):
    found = _request(bob_api, lena, "export", "Mail vom 1.12.")
    assert (found["state"], found["requested_by"]) == ("open", "bob")
    before = snapshot()
    early = bob_api.get(f"/privacy/requests/{found['id']}/export")
    assert early.status_code == 422 and "approved" in early.json()["errors"]["__all__"][0]
    assert snapshot() == before  # no "exported" event for an export not handed out
    assert bob_api.post(f"/privacy/requests/{found['id']}/verify").json()["state"] == "verified"
    approved = api.post(f"/privacy/requests/{found['id']}/approve").json()
    assert (approved["state"], approved["approved_by"]) == ("done", "Alice Adler")
    data = bob_api.get(f"/privacy/requests/{found['id']}/export")
    assert data.status_code == 200
    assert data.json()["person"]["emails"] == ["lena@example.com"]
    assert AuditEvent.objects.filter(action="person.exported", subject_id=lena.pk).count() == 1
    listed = api.get("/privacy/requests", kind="export").json()
    assert [r["id"] for r in listed] == [found["id"]]
    assert api.get("/privacy/requests", kind="erasure").json() == []


def test_the_one_click_export_of_a_person_is_logged(api, lena):
    response = api.get(f"/people/{lena.pk}/export")
    assert response.status_code == 200 and response.json()["person"]["first_name"] == "Lena"
    assert AuditEvent.objects.filter(action="person.exported", subject_id=lena.pk).count() == 1


def test_an_erasure_runs_through_verification_and_approval_to_a_logged_anonymisation(
    bob_api, api, lena
):
    found = _request(bob_api, lena, "erasure")
    bob_api.post(f"/privacy/requests/{found['id']}/verify")
    response = api.post(f"/privacy/requests/{found['id']}/approve")
    assert response.status_code == 200 and response.json()["state"] == "done"
    lena.refresh_from_db()
    assert lena.full_name == f"Anonymised #{lena.pk}"
    assert Anonymisation.objects.get(person=lena).request_id == found["id"]
    assert AuditEvent.objects.filter(action="person.anonymised", subject_id=lena.pk).exists()
    assert api.get(f"/privacy/requests/{found['id']}").json()["person_name"] == lena.full_name


def test_approving_an_unverified_request_is_refused_and_changes_nothing(bob_api, api, lena):
    found = _request(bob_api, lena, "erasure")
    before = snapshot()
    response = api.post(f"/privacy/requests/{found['id']}/approve")
    assert response.status_code == 422
    assert "identity check" in response.json()["errors"]["__all__"][0]
    assert snapshot() == before


def test_an_erasure_is_refused_while_a_legal_hold_stands(bob_api, api, lena, alice):
    found = _request(bob_api, lena, "erasure")
    bob_api.post(f"/privacy/requests/{found['id']}/verify")
    LegalHold.objects.create(workspace=lena.workspace, person=lena, reason="Klage", set_by=alice)
    before = snapshot()
    response = api.post(f"/privacy/requests/{found['id']}/approve")
    assert response.status_code == 422 and "legal hold" in response.json()["errors"]["__all__"][0]
    assert snapshot() == before


def test_only_an_owner_other_than_the_requester_approves(bob_api, api, lena):
    mine = _request(api, lena, "erasure")
    api.post(f"/privacy/requests/{mine['id']}/verify")
    before = snapshot()
    own = api.post(f"/privacy/requests/{mine['id']}/approve")
    assert own.status_code == 422 and "other than the requester" in own.content.decode()
    assert bob_api.post(f"/privacy/requests/{mine['id']}/approve").status_code == 403
    assert snapshot() == before


def test_a_second_open_request_of_a_kind_and_a_double_step_change_nothing(bob_api, api, lena):
    found = _request(bob_api, lena, "erasure")
    bob_api.post(f"/privacy/requests/{found['id']}/verify")
    before = snapshot()
    again = bob_api.post("/privacy/requests", {"person_id": lena.pk, "kind": "erasure"})
    assert again.status_code == 422 and "already open" in again.content.decode()
    assert bob_api.post(f"/privacy/requests/{found['id']}/verify").status_code == 422
    bad_kind = bob_api.post("/privacy/requests", {"person_id": lena.pk, "kind": "delete"})
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["errors"]
    assert snapshot() == before
    assert bob_api.post(f"/privacy/requests/{found['id']}/reject").json()["state"] == "rejected"
    assert bob_api.post(f"/privacy/requests/{found['id']}/reject").status_code == 422


def test_the_export_of_an_erasure_request_is_refused(bob_api, api, lena):
    found = _request(bob_api, lena, "erasure")
    before = snapshot()
    response = bob_api.get(f"/privacy/requests/{found['id']}/export")
    assert response.status_code == 422 and "Only an export request" in response.content.decode()
    assert snapshot() == before


# ---------------------------------------------------------------- another workspace


def test_charlie_gets_404_for_alices_people_and_requests_and_nothing_changes(
    api, charlie_api, lena
):
    api.post(f"/people/{lena.pk}/consents", {"purpose": "talent_pool", "proof_note": PROOF})
    found = _request(api, lena, "export")
    before = snapshot()
    calls = [
        ("get", f"/people/{lena.pk}/consents", None),
        ("post", f"/people/{lena.pk}/consents", {"purpose": "campaigns", "proof_note": PROOF}),
        ("post", f"/people/{lena.pk}/consents/withdraw", {"purpose": "talent_pool"}),
        ("get", f"/people/{lena.pk}/export", None),
        ("post", "/privacy/requests", {"person_id": lena.pk, "kind": "erasure"}),
        ("get", f"/privacy/requests/{found['id']}", None),
        ("post", f"/privacy/requests/{found['id']}/verify", None),
        ("post", f"/privacy/requests/{found['id']}/approve", None),
        ("post", f"/privacy/requests/{found['id']}/reject", None),
        ("get", f"/privacy/requests/{found['id']}/export", None),
    ]
    for method, path, body in calls:
        response = charlie_api.get(path) if method == "get" else charlie_api.post(path, body)
        assert response.status_code == 404, (method, path, response.status_code)
    assert charlie_api.get("/privacy/requests").json() == []
    assert snapshot() == before


# ---------------------------------------------------------------- settings


def test_the_owner_reads_and_changes_the_retention_period(api, workspace):
    assert api.get("/privacy/settings").json() == {
        "signup_enabled": True,
        "consent_months": 24,
        "retention_months": 6,
    }
    response = api.patch("/privacy/settings", {"retention_months": 3})
    assert response.status_code == 200 and response.json()["retention_months"] == 3
    assert response.json()["consent_months"] == 24
    assert PrivacySettings.objects.get(workspace=workspace).retention_months == 3
    assert AuditEvent.objects.filter(action="privacy_settings.retention_changed").count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"retention_months": 0},
        {"retention_months": 121},
        {"retention_months": "sechs"},
        {"consent_months": 12, "retention_months": 500},
    ],
)
def test_a_bad_retention_period_changes_nothing(api, workspace, body):
    api.get("/privacy/settings")
    before = snapshot()
    response = api.patch("/privacy/settings", body)
    assert response.status_code == 422 and "retention_months" in response.json()["errors"]
    assert snapshot() == before


def test_a_member_may_not_change_the_privacy_settings(bob_api, workspace):
    bob_api.get("/privacy/settings")
    before = snapshot()
    assert bob_api.patch("/privacy/settings", {"retention_months": 1}).status_code == 403
    assert snapshot() == before
