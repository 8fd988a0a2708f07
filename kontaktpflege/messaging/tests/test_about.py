"""What a message is about ("application:12") adds variables through a registered provider;
the provider decides per workspace, and a malformed or unknown `about` adds nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kontaktpflege.messaging import compose
from kontaktpflege.messaging.models import MessageTemplate

BODY = "{{ salutation }}, about: [{{ thing|default('nothing') }}]"


@pytest.fixture
def provider():
    """A provider that knows one id of one workspace, like a real one would check."""
    seen: list[tuple[int, int]] = []

    def provide(*, workspace, person, ref, variant, user):
        seen.append((workspace.pk, ref))
        return {"thing": f"thing {ref}"} if ref == 7 and workspace.pk == provide.ws else {}

    compose.register_about_provider("thing", provide)
    yield provide
    compose.ABOUT_PROVIDERS.pop("thing", None)


@pytest.fixture
def template(workspace):
    return MessageTemplate.objects.create(
        workspace=workspace,
        key="about-test",
        name="About",
        variant="de_sie",
        subject="S",
        body=BODY,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("about", "expected"),
    [
        ("thing:7", "[thing 7]"),
        ("thing:8", "[nothing]"),
        ("other:7", "[nothing]"),
        ("x", "[nothing]"),
    ],
)
def test_the_compose_page_fills_variables_for_what_the_message_is_about(
    alice_client, julia, workspace, provider, template, about, expected
):
    provider.ws = workspace.pk
    url = reverse("compose", args=[julia.pk]) + f"?template=about-test&variant=de_sie&about={about}"
    response = alice_client.get(url)
    assert response.status_code == 200
    assert expected in response.content.decode()
