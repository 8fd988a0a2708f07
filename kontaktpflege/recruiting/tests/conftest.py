"""Recruiting fixtures: a workspace with recruiting switched on, an opening, candidates."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def recruiting(workspace):
    from kontaktpflege.recruiting.services import recruiting_switch

    return recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=False)


@pytest.fixture
def opening(recruiting, workspace, alice):
    from kontaktpflege.recruiting.services import opening_create

    return opening_create(
        workspace=workspace,
        created_by=alice,
        title="Backend-Entwickler:in (Python)",
        skills=["Python", "Django"],
        career_level="professional",
        location="Köln",
        work_mode="hybrid",
    )


@pytest.fixture
def stage(workspace):
    from kontaktpflege.recruiting.models import PipelineStage

    return lambda key: PipelineStage.objects.get(workspace=workspace, key=key)


@pytest.fixture
def candidacy(opening, make_person, alice):
    from kontaktpflege.recruiting.services import candidacy_create

    person = make_person(first_name="Jana", last_name="Becker", emails=["jana@example.com"])
    return candidacy_create(opening=opening, person=person, source="LinkedIn", by=alice)


@pytest.fixture
def charlie_recruiting(charlie):
    from kontaktpflege.recruiting.services import recruiting_switch

    return recruiting_switch(workspace=charlie.active_workspace, enabled=True)


@pytest.fixture
def viewer_client(workspace, django_user_model):
    from django.test import Client

    from kontaktpflege.accounts.services import membership_add

    viewer = django_user_model.objects.create_user("vera", "vera@example.org", "pw-vera-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    viewer.active_workspace = workspace
    viewer.save(update_fields=["active_workspace"])
    client = Client()
    client.force_login(viewer)
    return client


@pytest.fixture
def committed_tasks(django_capture_on_commit_callbacks):
    """Run on-commit hooks (queued tasks run at once in tests) at the end of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
