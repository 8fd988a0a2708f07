"""Account mail that cannot be abused (issue #8, points 6-8, 10, 11).

Email confirmation by a signed, expiring link; invitations rate limited, free of user text
and bound to the invited (confirmed) address; no IP-literal recipients; settings writes
refused to viewers.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from kontaktpflege.accounts import services
from kontaktpflege.accounts.models import Invitation, Membership, User

pytestmark = pytest.mark.django_db

PER_USER_HOUR = 10
PER_WORKSPACE_DAY = 25

SIGNUP = {
    "first_name": "Dana",
    "username": "dana",
    "email": "dana@example.org",
    "password1": "a-long-passphrase-42",
    "password2": "a-long-passphrase-42",
}


def confirm(user: User) -> User:
    services.email_confirm(token=services.email_confirmation_token(user))
    return User.objects.get(pk=user.pk)


def link_in(message) -> str:
    return re.search(r"https?://\S+?(/[\w/:.-]+/)", message.body).group(1)


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"  # sign-up and anonymous pages in English


@pytest.fixture
def now_committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


# ---------------------------------------------------------------- point 6: confirmation


def test_signing_up_mails_a_link_that_confirms_the_address_only_on_the_button(
    client, now_committed
):
    with now_committed():
        client.post("/signup/", SIGNUP)
    dana = User.objects.get(username="dana")
    assert not dana.email_verified
    [message] = mail.outbox
    assert message.to == ["dana@example.org"]
    assert "Dana" not in message.subject + message.body  # no user text in account mail
    path = link_in(message)
    assert path.startswith("/email/confirm/")
    anonymous = client.__class__(HTTP_ACCEPT_LANGUAGE="en")
    page = anonymous.get(path)  # a link scanner's GET changes nothing
    assert "dana@example.org" in page.content.decode()
    assert not User.objects.get(pk=dana.pk).email_verified
    assert 'id="email-confirmed"' in anonymous.post(path).content.decode()
    assert User.objects.get(pk=dana.pk).email_verified


def test_a_confirmation_link_expires_and_a_tampered_one_is_refused(client, alice):
    token = services.email_confirmation_token(alice)
    with time_machine.travel(timezone.now() + dt.timedelta(days=4)):
        response = client.post(reverse("email_confirm", args=[token]))
    assert response.status_code == 400 and "expired" in response.content.decode()
    response = client.post(reverse("email_confirm", args=[token[:-2] + "xx"]))
    assert response.status_code == 400 and "invalid" in response.content.decode()
    assert not User.objects.get(pk=alice.pk).email_verified


def test_changing_the_email_unconfirms_it_and_old_links_stop_working(
    alice_client, alice, now_committed
):
    old_token = services.email_confirmation_token(alice)
    alice = confirm(alice)
    with now_committed():
        alice_client.post(reverse("email_change"), {"email": "alice@neu.example"})
    alice = User.objects.get(pk=alice.pk)
    assert alice.email == "alice@neu.example" and not alice.email_verified
    [message] = mail.outbox
    assert message.to == ["alice@neu.example"]
    assert alice_client.post(reverse("email_confirm", args=[old_token])).status_code == 400
    assert not User.objects.get(pk=alice.pk).email_verified
    alice_client.post(link_in(message))
    assert User.objects.get(pk=alice.pk).email_verified


def test_the_link_is_resent_from_settings_at_most_every_few_minutes(
    alice_client, alice, now_committed
):
    html = alice_client.get(reverse("settings")).content.decode()
    assert "not confirmed" in html
    with now_committed():
        alice_client.post(reverse("email_verification_resend"))
        second = alice_client.post(reverse("email_verification_resend"), follow=True)
    assert len(mail.outbox) == 1
    assert "please wait a few minutes" in second.content.decode()
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=3)), now_committed():
        alice_client.post(reverse("email_verification_resend"))
    assert len(mail.outbox) == 2
    alice_client.post(link_in(mail.outbox[1]))
    html = alice_client.get(reverse("settings")).content.decode()
    assert 'id="email-status">confirmed' in html


# ---------------------------------------------------------------- point 7: invitations


def invite(client, email: str, follow: bool = False):
    return client.post(
        reverse("invitation_create"), {"email": email, "role": "member"}, follow=follow
    )


def test_invitations_are_rate_limited_per_user_and_withdrawing_does_not_reset_it(
    alice_client, now_committed
):
    with now_committed():
        for n in range(PER_USER_HOUR):
            invite(alice_client, f"guest{n}@example.org")
        alice_client.post(reverse("invitation_revoke", args=[Invitation.objects.first().pk]))
        refused = invite(alice_client, "one-more@example.org", follow=True)
    assert "You have sent 10 invitations in the last hour" in refused.content.decode()
    assert not Invitation.objects.filter(email="one-more@example.org").exists()
    assert len(mail.outbox) == PER_USER_HOUR
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61)), now_committed():
        invite(alice_client, "one-more@example.org")
    assert Invitation.objects.filter(email="one-more@example.org").exists()


def test_invitations_are_rate_limited_per_workspace_with_a_translated_message(alice, workspace):
    start = timezone.now()
    for hour in range(3):
        with time_machine.travel(start + dt.timedelta(minutes=62 * hour)):
            for n in range(PER_USER_HOUR):
                if Invitation.objects.count() < PER_WORKSPACE_DAY:
                    services.invitation_create(
                        workspace=workspace,
                        invited_by=alice,
                        email=f"g{hour}-{n}@example.org",
                        role="member",
                    )
    with (
        time_machine.travel(start + dt.timedelta(minutes=62 * 3)),
        translation.override("de"),
        pytest.raises(ValidationError) as info,
    ):
        services.invitation_create(
            workspace=workspace, invited_by=alice, email="late@example.org", role="member"
        )
    assert "Dieser Arbeitsbereich hat in den letzten 24 Stunden 25 Einladungen" in str(info.value)
    assert Invitation.objects.count() == PER_WORKSPACE_DAY


def test_an_invitation_carries_no_text_the_inviter_typed(client, now_committed):
    spam = "Cheap pills at spam.example"
    with now_committed():
        client.post("/signup/", SIGNUP | {"first_name": spam})
    client.login(username=SIGNUP["username"], password=SIGNUP["password1"])
    mail.outbox.clear()
    with now_committed():
        invite(client, "victim@example.org")
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert "spam" not in (message.subject + message.body + html).lower()
    assert message.subject == "Kontaktpflege: you are invited to a workspace"
    assert "/invitations/" in message.body


# ---------------------------------------------------------------- point 8: IP literals


def test_ip_literal_addresses_are_refused_for_invitations_sign_up_and_email(
    alice_client, client, alice, now_committed
):
    with now_committed():
        response = invite(alice_client, "root@[10.0.0.5]", follow=True)
        client.post("/signup/", SIGNUP | {"email": "root@[10.0.0.5]"})
        alice_client.post(reverse("email_change"), {"email": "root@[10.0.0.5]"})
    assert "IP address" in response.content.decode()
    assert not Invitation.objects.exists()
    assert not User.objects.filter(username="dana").exists()
    assert User.objects.get(pk=alice.pk).email == "alice@example.org"
    assert not mail.outbox
    with pytest.raises(ValidationError):
        services.user_create(username="ip", email="ip@[127.0.0.1]", password="pw-long-123")


def test_people_with_ip_literal_email_are_refused(workspace):
    from kontaktpflege.contacts.services import person_create

    with pytest.raises(ValidationError) as info:
        person_create(workspace=workspace, first_name="Root", emails=["root@[10.0.0.5]"])
    assert "IP address" in " ".join(info.value.messages)


# ---------------------------------------------------------------- point 10: bound invitations


@pytest.fixture
def invitation(alice, workspace):
    return services.invitation_create(
        workspace=workspace, invited_by=alice, email="Dana@Example.org", role="member"
    )


def test_another_account_cannot_accept_an_invitation_meant_for_someone_else(
    charlie, invitation, workspace, client
):
    charlie = confirm(charlie)
    client.force_login(charlie)
    path = reverse("invitation_accept", args=[invitation.token])
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert "sent to a different email address" in response.content.decode()
    assert not Membership.objects.filter(user=charlie, workspace=workspace).exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=charlie)


def test_the_invited_address_joins_only_once_confirmed(invitation, workspace, client):
    client.post("/signup/", SIGNUP)
    client.login(username=SIGNUP["username"], password=SIGNUP["password1"])
    dana = User.objects.get(username="dana")
    path = reverse("invitation_accept", args=[invitation.token])
    response = client.post(path)
    assert response.status_code == 403 and "Confirm your email address first" in (
        response.content.decode()
    )
    assert not Membership.objects.filter(user=dana, workspace=workspace).exists()
    confirm(dana)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=dana, workspace=workspace).role == "member"


# ---------------------------------------------------------------- point 11: settings writes


@pytest.fixture
def viewer_client(workspace, client):
    viewer = User.objects.create_user(username="vic", email="v@example.org", password="pw-x-123")
    services.membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    return client


def test_a_viewer_gets_403_for_every_workspace_settings_write(viewer_client, workspace):
    from kontaktpflege.followups.models import NotificationSettings
    from kontaktpflege.messaging.models import SenderSettings

    assert viewer_client.get(reverse("followup_settings")).status_code == 200
    row = NotificationSettings.objects.get(workspace=workspace)
    before = (row.ics_token, row.email_enabled, row.apprise_urls)
    writes = [
        (reverse("sender_settings"), {"from_name": "Vic", "company": "X"}),
        (reverse("followup_settings"), {"action": "rotate", "confirm": "1"}),
        (reverse("followup_settings"), {"email_enabled": "on", "digest_hour": "7"}),
        (reverse("followup_settings"), {"action": "rules", "core": "21"}),
        (reverse("approved_sender_add"), {"email": "team@example.org"}),
        (reverse("invitation_create"), {"email": "x@example.org", "role": "viewer"}),
    ]
    for url, data in writes:
        assert viewer_client.post(url, data).status_code == 403, url
    row.refresh_from_db()
    assert (row.ics_token, row.email_enabled, row.apprise_urls) == before
    assert not SenderSettings.objects.exists()
    assert not workspace.approved_senders.exists() and not Invitation.objects.exists()
