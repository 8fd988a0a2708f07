"""The campaigns API: the same services and roles as the pages."""

from __future__ import annotations

import pytest

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.privacy import campaigns, services
from kontaktpflege.privacy.campaign_models import Campaign
from kontaktpflege.privacy.models import Purpose
from kontaktpflege.recruiting import pools
from kontaktpflege.recruiting.services import recruiting_switch

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool(workspace, alice, make_person):
    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)
    ada = make_person(first_name="Ada", emails=["ada@example.com"])
    emil = make_person(first_name="Emil", emails=["emil@example.com"])
    services.consent_record_by_recruiter(
        person=ada, purpose=Purpose.TALENT_POOL, user=alice, proof_note="Agreed by phone today."
    )
    found = pools.pool_create(workspace=workspace, name="Backend", kind="static")
    pools.pool_members_add(pool=found, person_ids=[ada.pk, emil.pk])
    return found


def body(pool, **kw):
    return {"name": "Spring news", "pool_id": pool.pk, "template_key": "nurture_update", **kw}


def test_create_preview_send_and_report(api, pool):
    created = api.post("/campaigns", body(pool, notes="Two new openings."))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["state"] == "draft"
    preview = api.get(f"/campaigns/{pk}/preview").json()
    assert preview == {"total": 2, "receive": 1, "skipped": {"no_consent": 1}, "capped": False}
    sent = api.post(f"/campaigns/{pk}/send", {})
    assert sent.status_code == 200 and sent.json()["state"] == "sending"
    assert not OutboundMessage.objects.exists()  # the worker sends, not the request
    campaigns.campaign_send_batch(campaign_id=pk)
    report = api.get(f"/campaigns/{pk}/report").json()
    assert report["state"] == "done" and report["in_outbox"] == 1
    assert report["skipped"] == {"no_consent": 1}
    statuses = {r["email"]: (r["status"], r["reason"]) for r in report["recipients"]}
    assert statuses == {
        "ada@example.com": ("in_outbox", ""),
        "emil@example.com": ("skipped", "no_consent"),
    }
    skipped = api.get(f"/campaigns/{pk}/report", status="skipped").json()["recipients"]
    assert [r["email"] for r in skipped] == ["emil@example.com"]
    assert [c["id"] for c in api.get("/campaigns").json()] == [pk]


def test_schedule_and_cancel(api, pool):
    pk = api.post("/campaigns", body(pool)).json()["id"]
    scheduled = api.post(f"/campaigns/{pk}/send", {"send_at": "2099-01-01T09:00:00Z"})
    assert scheduled.status_code == 422 and "send_at" in scheduled.json()["errors"]
    scheduled = api.post(f"/campaigns/{pk}/send", {"send_at": _tomorrow()})
    assert scheduled.json()["state"] == "scheduled"
    cancelled = api.post(f"/campaigns/{pk}/cancel")
    assert cancelled.json()["state"] == "cancelled"
    again = api.post(f"/campaigns/{pk}/cancel")
    assert again.status_code == 422


def _tomorrow() -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.now() + dt.timedelta(days=1)).isoformat()


def test_nobody_consented_is_a_422_and_nothing_is_sent(api, pool):
    pk = api.post(
        "/campaigns", body(pool, pool_id=None, filters={"consent_state": ["none"]})
    ).json()["id"]
    response = api.post(f"/campaigns/{pk}/send", {})
    assert response.status_code == 422 and response.json()["errors"]["__all__"]
    assert Campaign.objects.get(pk=pk).state == "draft"
    assert not OutboundMessage.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"template_key": "nope"},
        {"purpose": "spam"},
        {"pool_id": None},
        {"pool_id": None, "filters": {"gender": "f"}},
    ],
)
def test_bad_input_is_422_and_nothing_is_created(api, pool, change):
    response = api.post("/campaigns", body(pool, **change))
    assert response.status_code == 422
    assert not Campaign.objects.exists()


def test_viewers_read_but_cannot_create_send_or_cancel(api, pool, viewer_api: ApiClient):
    pk = api.post("/campaigns", body(pool)).json()["id"]
    assert viewer_api.get(f"/campaigns/{pk}").status_code == 200
    assert viewer_api.get(f"/campaigns/{pk}/report").status_code == 200
    assert viewer_api.post("/campaigns", body(pool)).status_code == 403
    assert viewer_api.post(f"/campaigns/{pk}/send", {}).status_code == 403
    assert viewer_api.post(f"/campaigns/{pk}/cancel").status_code == 403
    assert Campaign.objects.count() == 1 and Campaign.objects.get().state == "draft"


def test_another_workspaces_ids_are_404(api, pool, charlie, charlie_api):
    recruiting_switch(workspace=charlie.active_workspace, enabled=True)
    pk = api.post("/campaigns", body(pool)).json()["id"]
    assert charlie_api.post("/campaigns", body(pool)).status_code == 404
    for path in ("", "/preview", "/report"):
        assert charlie_api.get(f"/campaigns/{pk}{path}").status_code == 404
    assert charlie_api.post(f"/campaigns/{pk}/send", {}).status_code == 404
    assert charlie_api.post(f"/campaigns/{pk}/cancel").status_code == 404
    assert charlie_api.get("/campaigns").json() == []
    assert Campaign.objects.count() == 1 and Campaign.objects.get().state == "draft"
