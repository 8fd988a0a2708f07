"""Every recruiting screen leads back to where it came from: the matches and bulk pages to the
opening's board, a rejection to its candidacy, the rejections list to candidacies and
openings, the update page to the person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from kontaktpflege.recruiting import rejections
from kontaktpflege.recruiting.models import CandidateProfile

from .rejection_helpers import candidacy, opening, reason, recruiting

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(workspace, alice):
    recruiting(workspace)
    job = opening(workspace, "Product Designer", skills=["Python"])
    early = candidacy(workspace, job, "applied", first_name="Early")
    scheduled = rejections.candidacy_reject(
        candidacy=early,
        reason_id=reason(workspace).pk,
        user=alice,
        send_at=timezone.now() + dt.timedelta(days=1),
    )
    CandidateProfile.objects.get_or_create(
        person=early.person, defaults={"workspace": workspace, "silver_medallist": True}
    )
    CandidateProfile.objects.filter(person=early.person).update(silver_medallist=True)
    return job, early, scheduled


def _links(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_each_recruiting_screen_links_back(alice_client, job):
    job, early, scheduled = job
    board = f'href="{reverse("opening", args=[job.pk])}"'
    to_candidacy = f'href="{reverse("candidacy", args=[early.pk])}"'
    assert board in _links(alice_client, reverse("opening_matches", args=[job.pk]))
    assert board in _links(alice_client, reverse("opening_reject", args=[job.pk]))
    reject_page = _links(alice_client, reverse("candidacy_reject", args=[early.pk]))
    assert to_candidacy in reject_page and board in reject_page
    review = _links(alice_client, reverse("rejection_review", args=[scheduled.pk]))
    assert to_candidacy in review and f'href="{reverse("rejections")}"' in review
    listed = _links(alice_client, reverse("rejections") + "?tab=scheduled")
    assert to_candidacy in listed and board in listed
    update = _links(alice_client, reverse("nurture_update", args=[early.person_id]))
    assert f'href="{reverse("person", args=[early.person_id])}"' in update
