"""The API takes what a message is about; the provider decides per workspace."""

from __future__ import annotations

import pytest

from kontaktpflege.messaging import compose
from kontaktpflege.messaging.models import MessageTemplate


@pytest.fixture
def known(workspace):
    """A provider that knows thing 7 of alice's workspace only, and a template showing it."""

    def provide(*, workspace, person, ref, variant, user):
        return {"thing": f"thing {ref}"} if ref == 7 and workspace.pk == alices else {}

    alices = workspace.pk
    compose.register_about_provider("thing", provide)
    MessageTemplate.objects.create(
        workspace=workspace,
        key="about-test",
        name="About",
        variant="de_sie",
        subject="S",
        body="[{{ thing|default('nothing') }}]",
    )
    yield
    compose.ABOUT_PROVIDERS.pop("thing", None)


@pytest.mark.django_db
def test_a_provider_sees_only_the_workspace_of_the_writer(charlie_api, charlie, known):
    from kontaktpflege.contacts.services import person_create

    mine = person_create(workspace=charlie.active_workspace, last_name="Mine")
    body = {"person_id": mine.pk, "about": "thing:7", "notes": "x"}
    response = charlie_api.post("/messages/preview", body)
    assert response.status_code == 200
    assert "thing 7" not in response.json()["draft"]["body"]


@pytest.mark.django_db
def test_the_api_takes_what_a_message_is_about_and_refuses_a_malformed_one(api, make_person, known):
    julia = make_person(first_name="Julia", last_name="Weber")
    body = {"person_id": julia.pk, "template": "about-test", "variant": "de_sie"}
    assert (
        "[thing 7]"
        in api.post("/messages/preview", {**body, "about": "thing:7"}).json()["draft"]["body"]
    )
    assert "[nothing]" in api.post("/messages/preview", body).json()["draft"]["body"]
    assert api.post("/messages/preview", {**body, "about": "thing:7;x"}).status_code == 422
