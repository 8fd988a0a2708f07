"""The rejections API: the same services as the pages; bad input is a 422 and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting.models import Candidacy, Rejection
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.recruiting.tests.rejection_helpers import (
    candidacy,
    opening,
    reason,
    recruiting,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(workspace):
    recruiting(workspace)
    job = opening(workspace, "Product Designer")
    return {
        "job": job,
        "finalist": candidacy(workspace, job, "final_interview", first_name="Julia"),
        "early": [candidacy(workspace, job, "screening", first_name=f"E{i}") for i in range(3)],
        "reason": reason(workspace).pk,
    }


def snapshot():
    return (
        list(Rejection.objects.order_by("pk").values()),
        list(Candidacy.objects.order_by("pk").values()),
        OutboundMessage.objects.count(),
    )


def test_reject_review_list_and_cancel(api, team):
    response = api.post(
        f"/candidacies/{team['finalist'].pk}/rejection",
        {"reason_id": team["reason"], "feedback_notes": "Knapp vorbei."},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tier"] == "personal" and body["state"] == "draft" and body["silver_medallist"]
    assert "Knapp vorbei." in body["body"]
    later = (timezone.now() + dt.timedelta(days=1)).isoformat()
    response = api.post(
        f"/rejections/{body['id']}/review",
        {"subject": "Ihre Bewerbung", "body": "Liebe Julia", "send_at": later},
    )
    assert response.status_code == 200 and response.json()["state"] == "scheduled"
    assert [r["id"] for r in api.get("/rejections", state="scheduled").json()] == [body["id"]]
    response = api.post(f"/rejections/{body['id']}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    assert response.json()["silver_medallist"] is False


def test_rejecting_twice_and_scheduling_in_the_past_are_422_and_change_nothing(api, team):
    url = f"/candidacies/{team['early'][0].pk}/rejection"
    assert api.post(url, {"reason_id": team["reason"]}).status_code == 201
    before = snapshot()
    response = api.post(url, {"reason_id": team["reason"]})
    # The API answers in the site's language (no session): check the name, not the wording.
    assert response.status_code == 422 and "E0 Weber" in response.content.decode()
    past = (timezone.now() - dt.timedelta(hours=2)).isoformat()
    response = api.post(
        f"/candidacies/{team['early'][1].pk}/rejection",
        {"reason_id": team["reason"], "send_at": past},
    )
    assert response.status_code == 422 and "send_at" in response.json()["errors"]
    assert snapshot() == before


def test_a_sent_rejection_cannot_be_cancelled_and_a_header_cannot_be_injected(api, team):
    from kontaktpflege.recruiting.rejections import rejections_send_due

    sent = api.post(
        f"/candidacies/{team['early'][0].pk}/rejection", {"reason_id": team["reason"]}
    ).json()
    rejections_send_due()
    draft = api.post(
        f"/candidacies/{team['finalist'].pk}/rejection",
        {"reason_id": team["reason"], "feedback_notes": "x"},
    ).json()
    before = snapshot()
    assert api.post(f"/rejections/{sent['id']}/cancel").status_code == 422
    response = api.post(
        f"/rejections/{draft['id']}/review", {"subject": "Hi\nBcc: x@example.com", "body": "x"}
    )
    assert response.status_code == 422
    assert snapshot() == before


def test_bulk_refuses_finalists_by_name_and_rejects_the_rest(api, team):
    url = f"/openings/{team['job'].pk}/rejections"
    ids = [c.pk for c in team["early"]]
    before = snapshot()
    response = api.post(
        url, {"candidacy_ids": [team["finalist"].pk, *ids], "reason_id": team["reason"]}
    )
    assert response.status_code == 422 and "Julia Weber" in response.content.decode()
    assert snapshot() == before
    response = api.post(url, {"candidacy_ids": ids, "reason_id": team["reason"]})
    assert response.status_code == 201 and len(response.json()) == 3


def test_charlie_gets_404_and_a_viewer_may_only_read(charlie_api, charlie, viewer_api, api, team):
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)
    r = api.post(
        f"/candidacies/{team['early'][0].pk}/rejection", {"reason_id": team["reason"]}
    ).json()
    before = snapshot()
    calls = [
        ("post", f"/candidacies/{team['early'][1].pk}/rejection", {"reason_id": team["reason"]}),
        ("post", f"/rejections/{r['id']}/review", {"subject": "x", "body": "y"}),
        ("post", f"/rejections/{r['id']}/cancel", None),
        (
            "post",
            f"/openings/{team['job'].pk}/rejections",
            {"candidacy_ids": [team["early"][1].pk], "reason_id": team["reason"]},
        ),
    ]
    for method, url, data in calls:
        assert getattr(charlie_api, method)(url, data).status_code == 404, url
        assert getattr(viewer_api, method)(url, data).status_code == 403, url
    assert charlie_api.get(f"/rejections/{r['id']}").status_code == 404
    assert charlie_api.get("/rejections").json() == []
    assert viewer_api.get(f"/rejections/{r['id']}").status_code == 200
    assert snapshot() == before
