"""The rejection pages: reject, review, scheduled list with cancel, bulk, the update page;
workspace isolation (charlie: 404), viewers read only, strict CSP, bad input changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from kontaktpflege.accounts.services import membership_add
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.recruiting import rejections
from kontaktpflege.recruiting.models import (
    Candidacy,
    CandidateProfile,
    ConsentState,
    Rejection,
    RejectionState,
)
from kontaktpflege.recruiting.services import recruiting_setup
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

from .rejection_helpers import candidacy, opening, reason, recruiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def things(workspace, alice):
    recruiting(workspace)
    job = opening(workspace, "Product Designer")
    finalist = candidacy(workspace, job, "final_interview", first_name="Julia")
    early = [candidacy(workspace, job, "applied", first_name=f"Early{i}") for i in range(3)]
    scheduled = rejections.candidacy_reject(
        candidacy=early[2],
        reason_id=reason(workspace).pk,
        user=alice,
        send_at=timezone.now() + dt.timedelta(days=1),
    )
    silver = candidacy(workspace, job, "offer", first_name="Silvia")
    draft = rejections.candidacy_reject(
        candidacy=silver, reason_id=reason(workspace).pk, user=alice, feedback_notes="Knapp."
    )
    CandidateProfile.objects.filter(person=silver.person).update(consent_state=ConsentState.GRANTED)
    return {
        "job": job,
        "finalist": finalist,
        "early": early,
        "scheduled": scheduled,
        "draft": draft,
        "silver": silver,
        "reason": reason(workspace),
    }


def snapshot():
    return (
        list(Rejection.objects.order_by("pk").values()),
        list(Candidacy.objects.order_by("pk").values()),
        OutboundMessage.objects.count(),
    )


def urls(t):
    return [
        ("get", f"/recruiting/candidacies/{t['finalist'].pk}/reject/"),
        ("post", f"/recruiting/candidacies/{t['finalist'].pk}/reject/"),
        ("get", f"/recruiting/rejections/{t['draft'].pk}/review/"),
        ("post", f"/recruiting/rejections/{t['draft'].pk}/review/"),
        ("get", f"/recruiting/rejections/{t['scheduled'].pk}/cancel/"),
        ("post", f"/recruiting/rejections/{t['scheduled'].pk}/cancel/"),
        ("get", f"/recruiting/openings/{t['job'].pk}/reject/"),
        ("post", f"/recruiting/openings/{t['job'].pk}/reject/"),
        ("get", f"/recruiting/candidates/{t['silver'].person_id}/update/"),
        ("post", f"/recruiting/candidates/{t['silver'].person_id}/update/"),
    ]


def test_charlie_gets_404_on_every_rejection_page_of_alices_workspace(
    charlie_client, charlie, things
):
    recruiting_setup(workspace=charlie.active_workspace, enabled=True)  # his own is switched on
    before = snapshot()
    data = {
        "reason": things["reason"].pk,
        "feedback_notes": "Hacked",
        "subject": "Hacked",
        "body": "Hacked",
        "candidacies": [c.pk for c in things["early"]],
        "idempotency_key": "k" * 32,
    }
    for method, url in urls(things):
        response = getattr(charlie_client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert charlie_client.get("/recruiting/rejections/").status_code == 200
    assert "Julia" not in charlie_client.get("/recruiting/rejections/?tab=review").content.decode()
    assert snapshot() == before


def test_a_workspace_without_recruiting_has_no_rejection_pages(alice_client, workspace):
    assert alice_client.get("/recruiting/rejections/").status_code == 404


def test_a_viewer_reads_but_cannot_reject_review_or_cancel(
    things, django_user_model, client, workspace
):
    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    assert client.get("/recruiting/rejections/").status_code == 200
    before = snapshot()
    for method, url in urls(things):
        if method == "post":
            assert client.post(url, {"reason": things["reason"].pk}).status_code == 403, url
    assert snapshot() == before


def test_rejecting_a_finalist_leads_to_the_review_then_the_schedule(alice_client, things):
    url = f"/recruiting/candidacies/{things['finalist'].pk}/reject/"
    page = alice_client.get(url).content.decode()
    assert "personal rejection" in page and 'name="feedback_notes"' in page
    assert 'name="send_at"' not in page  # scheduled after the review
    response = alice_client.post(
        url, {"reason": things["reason"].pk, "feedback_notes": "Die Fallstudie war knapp."}
    )
    r = Rejection.objects.get(candidacy=things["finalist"])
    assert response.status_code == 302 and response["Location"].endswith(f"/{r.pk}/review/")
    review = alice_client.get(response["Location"]).content.decode()
    assert "Die Fallstudie war knapp." in review
    response = alice_client.post(
        response["Location"], {"subject": "Ihre Bewerbung", "body": "Liebe Julia, …", "send_at": ""}
    )
    assert response.status_code == 302
    r.refresh_from_db()
    assert r.state == RejectionState.SCHEDULED and r.body == "Liebe Julia, …"


def test_a_personal_rejection_without_feedback_is_a_form_error(alice_client, things):
    before = snapshot()
    url = f"/recruiting/candidacies/{things['finalist'].pk}/reject/"
    response = alice_client.post(url, {"reason": things["reason"].pk, "feedback_notes": ""})
    assert response.status_code == 400
    assert snapshot() == before


def test_rejecting_twice_on_the_page_shows_the_existing_rejection(alice_client, things):
    url = f"/recruiting/candidacies/{things['early'][2].pk}/reject/"
    assert "Already rejected" in alice_client.get(url).content.decode()
    before = snapshot()
    response = alice_client.post(url, {"reason": things["reason"].pk})
    assert response.status_code == 400
    assert "already been rejected" in response.content.decode()
    assert snapshot() == before


def test_a_past_send_time_and_an_injected_header_are_refused_on_review(alice_client, things):
    url = f"/recruiting/rejections/{things['draft'].pk}/review/"
    before = snapshot()
    past = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = alice_client.post(url, {"subject": "Hallo", "body": "Text", "send_at": past})
    assert response.status_code == 400 and "already passed" in response.content.decode()
    response = alice_client.post(url, {"subject": "Hallo\r\nBcc: x@example.com", "body": "Text"})
    assert response.status_code == 400
    assert snapshot() == before


def test_cancelling_asks_first_and_a_sent_one_cannot_be_cancelled(alice_client, alice, things):
    url = f"/recruiting/rejections/{things['scheduled'].pk}/cancel/"
    assert "Nothing is sent" in alice_client.get(url).content.decode()
    assert alice_client.post(url).status_code == 302
    things["scheduled"].refresh_from_db()
    assert things["scheduled"].state == RejectionState.CANCELLED
    sent = rejections.candidacy_reject(
        candidacy=things["early"][0], reason_id=things["reason"].pk, user=alice
    )
    rejections.rejections_send_due()
    before = snapshot()
    response = alice_client.post(f"/recruiting/rejections/{sent.pk}/cancel/", follow=True)
    assert "already gone out" in response.content.decode()
    assert snapshot() == before


def test_bulk_with_a_finalist_names_them_and_changes_nothing(alice_client, things):
    url = f"/recruiting/openings/{things['job'].pk}/reject/"
    page = alice_client.get(url).content.decode()
    assert "Early0" in page and "Julia" in page
    before = snapshot()
    ids = [things["finalist"].pk, things["early"][0].pk, things["early"][1].pk]
    response = alice_client.post(url, {"candidacies": ids, "reason": things["reason"].pk})
    assert response.status_code == 400
    assert "Julia Weber" in response.content.decode()
    assert snapshot() == before
    ids = [things["early"][0].pk, things["early"][1].pk]
    response = alice_client.post(url, {"candidacies": ids, "reason": things["reason"].pk})
    assert response.status_code == 302
    assert Rejection.objects.filter(candidacy_id__in=ids, state="scheduled").count() == 2


def test_the_scheduled_list_shows_tabs_and_cancel_links(alice_client, things):
    page = alice_client.get("/recruiting/rejections/").content.decode()
    assert f"/recruiting/rejections/{things['scheduled'].pk}/cancel/" in page
    review = alice_client.get("/recruiting/rejections/?tab=review").content.decode()
    assert f"/recruiting/rejections/{things['draft'].pk}/review/" in review


def test_the_update_page_suggests_open_openings_and_sends_with_consent(alice_client, things):
    url = f"/recruiting/candidates/{things['silver'].person_id}/update/"
    page = alice_client.get(url).content.decode()
    assert "Product Designer" in page
    response = alice_client.post(
        url, {"subject": "Neues", "body": "Offene Stellen: …", "idempotency_key": "a" * 32}
    )
    assert response.status_code == 302
    assert OutboundMessage.objects.filter(subject="Neues").count() == 1


@pytest.mark.parametrize("which", range(6))
def test_every_rejection_page_has_a_strict_csp_and_no_inline_script(alice_client, things, which):
    pages = [
        f"/recruiting/candidacies/{things['finalist'].pk}/reject/",
        f"/recruiting/rejections/{things['draft'].pk}/review/",
        f"/recruiting/rejections/{things['scheduled'].pk}/cancel/",
        f"/recruiting/openings/{things['job'].pk}/reject/",
        "/recruiting/rejections/?tab=review",
        f"/recruiting/candidates/{things['silver'].person_id}/update/",
    ]
    response = alice_client.get(pages[which])
    assert response.status_code == 200
    assert_strict_csp(response)
    assert inline_problems(response.content.decode()) == []


def test_the_reject_page_speaks_german_to_bob(bob_client, things):
    page = bob_client.get(f"/recruiting/candidacies/{things['finalist'].pk}/reject/")
    text = page.content.decode()
    assert "Persönliche Absage entwerfen" in text and "Ihr individuelles Feedback" in text
