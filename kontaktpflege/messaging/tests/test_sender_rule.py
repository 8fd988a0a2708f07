"""Who may be the From of an email (issue #8, point 6), checked at the real SMTP server.

A From address is the user's own account email once confirmed, or a site address an owner
approved; anything else goes out from the site address with the user's name and the user's
address as Reply-To. The rule is applied when the settings are saved and again when each
message is built, so a confirmation or approval withdrawn later takes effect.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kontaktpflege.accounts import services as accounts
from kontaktpflege.accounts.models import User
from kontaktpflege.messaging import delivery, services
from kontaktpflege.messaging.models import MessageState, OutboundMessage, SenderSettings

pytestmark = pytest.mark.django_db

SITE = "Kontaktpflege <noreply@kp.example>"


def queue(user, person, **over):
    fields = {
        "workspace": user.active_workspace,
        "person": person,
        "user": user,
        "to_address": "julia.weber@example.com",
        "subject": "Quartalszahlen",
        "body": "Bitte überweisen Sie heute noch.",
        "idempotency_key": services.new_idempotency_key(),
    }
    fields.update(over)
    return services.message_queue_email(**fields)


def sender_form(**over):
    data = {"from_name": "", "from_email": "", "reply_to": "", "company": "", "signature": ""}
    data.update(over)
    return data


@pytest.fixture
def site_sender(settings):
    settings.DEFAULT_FROM_EMAIL = SITE


@pytest.fixture
def staff(alice):
    """alice also runs this site (staff): only administrators approve site addresses."""
    alice.is_staff = True
    alice.save(update_fields=["is_staff"])
    return alice


def test_a_fresh_account_cannot_send_as_a_forged_unconfirmed_address(
    client, site_sender, smtp_server
):
    from kontaktpflege.contacts.services import person_create

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post(
        "/signup/",
        {
            "first_name": "Mallory",
            "username": "mallory",
            "email": "cfo@bigcorp.example",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    mallory = User.objects.get(username="mallory")
    client.login(username="mallory", password="a-long-passphrase-42")  # sign-up answers neutrally
    page = client.post(
        reverse("sender_settings"),
        sender_form(from_name="BigCorp CFO", from_email="cfo@bigcorp.example"),
    )
    person = person_create(
        workspace=mallory.active_workspace,
        first_name="Julia",
        last_name="Weber",
        emails=["julia.weber@example.com"],
    )
    queue(mallory, person)
    assert delivery.outbox_drain() == (1, 1)
    [received] = [m for m in smtp_server.messages if m["Subject"] == "Quartalszahlen"]
    assert received["From"] == "Mallory <noreply@kp.example>"
    assert received["Reply-To"] == "cfo@bigcorp.example"
    assert "bigcorp" not in str(received["From"]).lower()
    assert "Confirm your email address first" in page.content.decode()
    assert not SenderSettings.objects.filter(user=mallory).exists()


def test_a_confirmed_own_address_is_the_from_until_the_email_changes(
    alice, workspace, julia, site_sender, smtp_server
):
    accounts.email_confirm(token=accounts.email_confirmation_token(alice))
    alice = User.objects.get(pk=alice.pk)
    services.sender_settings_save(
        workspace=workspace,
        user=alice,
        from_name="Alice Adler",
        from_email="alice@example.org",
        reply_to="",
        company="",
        signature="",
    )
    queue(alice, julia)
    delivery.outbox_drain()
    assert smtp_server.messages[0]["From"] == "Alice Adler <alice@example.org>"

    queued = queue(alice, julia)
    accounts.user_change_email(user=alice, email="alice@new.example")  # no longer confirmed
    delivery.outbox_drain()
    received = smtp_server.messages[1]
    assert received["Message-ID"].strip() == queued.message_id
    assert received["From"] == "Alice Adler <noreply@kp.example>"
    assert received["Reply-To"] == "alice@new.example"


def test_a_site_address_needs_an_administrators_approval_and_loses_it_at_send_time(
    alice, staff, workspace, julia, site_sender, smtp_server
):
    with pytest.raises(Exception) as info:
        services.sender_settings_save(
            workspace=workspace,
            user=alice,
            from_name="Team",
            from_email="team@kp.example",
            reply_to="",
            company="",
            signature="",
        )
    assert "that the site's administrators approved" in str(info.value)
    approval = accounts.approved_sender_add(
        workspace=workspace, email="Team@KP.example", approved_by=alice
    )
    services.sender_settings_save(
        workspace=workspace,
        user=alice,
        from_name="Team",
        from_email="team@kp.example",
        reply_to="",
        company="",
        signature="",
    )
    queue(alice, julia)
    delivery.outbox_drain()
    assert smtp_server.messages[0]["From"] == "Team <team@kp.example>"

    queue(alice, julia)
    accounts.approved_sender_remove(approved=approval)
    delivery.outbox_drain()
    assert smtp_server.messages[1]["From"] == "Alice Adler <noreply@kp.example>"
    assert smtp_server.messages[1]["Reply-To"] == "alice@example.org"


def test_only_site_addresses_can_be_approved(alice, staff, workspace, site_sender):
    with pytest.raises(Exception) as info:
        accounts.approved_sender_add(
            workspace=workspace, email="cfo@bigcorp.example", approved_by=alice
        )
    assert "Only addresses at kp.example" in str(info.value)
    assert not workspace.approved_senders.exists()


def test_a_workspace_owner_who_is_not_staff_cannot_approve_a_site_address(
    alice, alice_client, workspace, site_sender
):
    # With open sign-up every fresh account owns a workspace: that must not be enough.
    with pytest.raises(PermissionDenied):
        accounts.approved_sender_add(
            workspace=workspace, email="support@kp.example", approved_by=alice
        )
    response = alice_client.post(reverse("approved_sender_add"), {"email": "support@kp.example"})
    assert response.status_code == 403
    assert not workspace.approved_senders.exists()
    page = alice_client.get(reverse("settings")).content.decode()
    assert 'action="/settings/senders/"' not in page


def test_only_an_owner_approves_sender_addresses(
    staff, alice_client, bob_client, workspace, site_sender
):
    url = reverse("approved_sender_add")
    assert bob_client.post(url, {"email": "team@kp.example"}).status_code == 403
    assert not workspace.approved_senders.exists()
    alice_client.post(url, {"email": "team@kp.example"})
    [approval] = workspace.approved_senders.all()
    assert approval.email == "team@kp.example"
    html = alice_client.get(reverse("settings")).content.decode()
    assert re.search(r'id="approved-senders".*team@kp\.example', html, re.S)
    remove = reverse("approved_sender_remove", args=[approval.pk])
    assert bob_client.post(remove).status_code == 403
    alice_client.post(remove)
    assert not workspace.approved_senders.exists()


def test_ip_literal_recipients_are_refused_when_queued_and_when_sent(
    alice, workspace, julia, smtp_server
):
    with pytest.raises(Exception) as info:
        queue(alice, julia, to_address="root@[10.0.0.5]")
    assert "IP address" in str(info.value)
    assert not OutboundMessage.objects.exists()

    row = queue(alice, julia)  # a row stored before the rule: it fails instead of relaying
    OutboundMessage.objects.filter(pk=row.pk).update(to_address="root@[10.0.0.5]")
    delivery.outbox_drain()
    row.refresh_from_db()
    assert row.state == MessageState.FAILED and "IP address" in row.last_error
    assert smtp_server.messages == [] and not mail.outbox


def test_a_viewer_cannot_write_sender_settings(alice, workspace, client):
    from kontaktpflege.accounts.services import membership_add

    viewer = User.objects.create_user(username="vic", email="v@example.org", password="pw-x-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    assert client.get(reverse("sender_settings")).status_code == 200
    response = client.post(reverse("sender_settings"), sender_form(from_name="Vic"))
    assert response.status_code == 403
    assert not SenderSettings.objects.exists()
