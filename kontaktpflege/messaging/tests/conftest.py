"""Fixtures for messaging: people with realistic data and a real SMTP server."""

from __future__ import annotations

import pytest


@pytest.fixture
def julia(make_person):
    """Dr. Julia Weber, formal German, with an email and an organisation."""
    from kontaktpflege.contacts.services import organisation_get_or_create

    person = make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        academic_title="Dr.",
        form_of_address="sie",
        language="de",
        job_title="Leiterin Produktentwicklung",
        emails=["julia.weber@example.com"],
    )
    person.organisation = organisation_get_or_create(workspace=person.workspace, name="Acme GmbH")
    person.save(update_fields=["organisation"])
    return person
