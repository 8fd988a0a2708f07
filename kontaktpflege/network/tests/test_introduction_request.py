"""“Ask for an introduction”: the shipped template, addressed to the introducer, names the
target person and company; the variables come from the network's about-providers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kontaktpflege.messaging.compose import draft_for
from kontaktpflege.messaging.library import VARIANTS
from kontaktpflege.messaging.selectors import sender_settings_for

pytestmark = pytest.mark.django_db

OPENING = {
    "de_sie": "Würden Sie mich mit Dr. Julia Weber von Siemens bekannt machen",
    "de_du": "Könntest du mich mit Dr. Julia Weber von Siemens bekannt machen",
    "en": "would you introduce me to Dr. Julia Weber at Siemens",
}


def _draft(workspace, alice, person, about, variant):
    return draft_for(
        workspace=workspace,
        person=person,
        user=alice,
        sender=sender_settings_for(workspace=workspace, user=alice),
        template_key="introduction_request",
        variant=variant,
        notes="Ich möchte verstehen, wie das Team arbeitet.",
        about=about,
    )


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_request_names_the_target_person_and_company(workspace, alice, net, variant):
    draft = _draft(workspace, alice, net.anna, f"person:{net.weber.pk}", variant)
    assert draft.ok and not draft.undefined, draft.undefined
    assert OPENING[variant] in draft.body
    assert "Ich möchte verstehen, wie das Team arbeitet." in draft.body
    assert "Weber" in draft.subject and "{" not in draft.body + draft.subject
    assert "  " not in draft.body and "\n\n\n" not in draft.body


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_request_about_a_company_names_whom_the_introducer_reaches_there(
    workspace, alice, net, variant
):
    draft = _draft(workspace, alice, net.bernd, f"organisation:{net.siemens.pk}", variant)
    assert draft.ok and not draft.undefined, draft.undefined
    assert "Dr. Julia Weber" in draft.body and "Carl Corn" in draft.body


def test_a_company_without_a_known_path_still_reads_well(workspace, alice, net):
    draft = _draft(workspace, alice, net.bernd, f"organisation:{net.bosch.pk}", "de_sie")
    assert "Kennen Sie jemanden bei Bosch" in draft.body and not draft.undefined


def test_a_ref_of_another_workspace_adds_nothing(workspace, alice, charlie, net):
    from kontaktpflege.accounts.models import Workspace
    from kontaktpflege.contacts.services import organisation_create, person_create

    other = Workspace.objects.exclude(pk=workspace.pk).get()
    stranger = person_create(workspace=other, first_name="Zoe", last_name="Secret")
    org = organisation_create(workspace=other, name="Hidden GmbH")
    for about in (f"person:{stranger.pk}", f"organisation:{org.pk}"):
        draft = _draft(workspace, alice, net.anna, about, "en")
        assert "Secret" not in draft.body and "Hidden" not in draft.body
        assert "intro_target_organisation" in draft.undefined


def test_the_compose_link_drafts_the_request_to_the_introducer(alice_client, net):
    url = reverse("compose", args=[net.anna.pk])
    response = alice_client.get(
        url + f"?template=introduction_request&about=person:{net.weber.pk}&variant=en"
    )
    assert response.status_code == 200
    assert "would you introduce me to Dr. Julia Weber at Siemens" in response.content.decode()
