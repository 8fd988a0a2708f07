"""Fixtures of the career tests: Acme (a target company), its recruiter Eva Berg, an
application; a conversation partner, a target list, helpers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit hooks (follow-up refreshes) at the end of the block, as in production."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def acme(workspace):
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)


@pytest.fixture
def partner(make_person):
    """Dr. Julia Weber, formal German: the conversation partner."""
    return make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        academic_title="Dr.",
        language="de",
        form_of_address="sie",
        emails=["julia.weber@example.com"],
    )


@pytest.fixture
def other_target(charlie):
    """A target company of charlie's workspace."""
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=charlie.active_workspace, name="Fremd AG", is_target=True)


@pytest.fixture
def eva(make_person, acme):
    """Frau Eva Berg, recruiter at Acme, formal German."""
    return make_person(
        first_name="Eva",
        last_name="Berg",
        gender="f",
        form_of_address="sie",
        language="de",
        organisation=acme,
        emails=["eva.berg@acme.example"],
    )


@pytest.fixture
def application(workspace, acme):
    from kontaktpflege.applications.services import application_create

    return application_create(
        workspace=workspace,
        organisation=acme,
        position="Product Designer",
        stage="applied",
        applied_on=dt.date(2025, 3, 1),
    )


@pytest.fixture
def other_workspace_person(charlie):
    from kontaktpflege.contacts.services import organisation_create, person_create

    org = organisation_create(workspace=charlie.active_workspace, name="Charlie Corp")
    person = person_create(workspace=charlie.active_workspace, first_name="Carl", last_name="C")
    return person, org
