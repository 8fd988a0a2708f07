"""Sign-up, log-in, password reset, preferences, invitations and API tokens."""

import re

import pytest
from django.core import mail

from kontaktpflege.accounts.models import ApiToken, Membership, User
from kontaktpflege.accounts.services import email_confirm, email_confirmation_token
from kontaktpflege.contacts.models import Person

pytestmark = pytest.mark.django_db


def test_signing_up_creates_a_personal_workspace_and_the_users_own_node(client):
    response = client.post(
        "/signup/",
        {
            "first_name": "Dana",
            "username": "dana",
            "email": "Dana@Example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="dana")
    assert user.email == "dana@example.org"
    membership = Membership.objects.get(user=user)
    assert membership.role == "owner"
    assert Person.objects.get(workspace=membership.workspace, user=user).first_name == "Dana"
    assert response["Location"] == "/signup/done/"  # the same answer for every sign-up
    client.post("/login/", {"username": "dana", "password": "a-long-passphrase-42"})
    assert client.get("/people/").status_code == 200


def test_signup_rejects_mismatched_passwords_with_a_clear_message(client, alice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = client.post(
        "/signup/",
        {
            "username": "newcomer",
            "email": "new@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "another-passphrase-42",
        },
    )
    html = response.content.decode()
    assert "The passwords differ." in html
    assert User.objects.count() == 1
    assert not mail.outbox


def test_login_and_logout_work_through_the_forms(client, alice):
    response = client.post("/login/", {"username": "alice", "password": "pw-alice-123"})
    assert response.status_code == 302
    assert client.get("/people/").status_code == 200
    client.post("/logout/")
    assert client.get("/people/").status_code == 302


def test_a_wrong_password_is_refused_with_a_clear_message(client, alice):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "de"
    response = client.post("/login/", {"username": "alice", "password": "nope"})
    assert response.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in response.content.decode()


def test_password_reset_sends_a_link_that_sets_a_new_password(client, alice):
    client.post("/password/reset/", {"email": "alice@example.org"})
    assert len(mail.outbox) == 1
    link = re.search(r"http://\S+/password/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(
        form_url, {"new_password1": "brand-new-pass-77", "new_password2": "brand-new-pass-77"}
    )
    alice.refresh_from_db()
    assert alice.check_password("brand-new-pass-77")


def test_preferences_change_language_and_time_zone(alice_client, alice):
    response = alice_client.post(
        "/settings/",
        {
            "action": "preferences",
            "language": "de",
            "time_zone": "Europe/Zurich",
        },
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("de", "Europe/Zurich")
    assert "Personen" in alice_client.get("/people/").content.decode()


def test_an_unknown_time_zone_is_refused_and_nothing_changes(alice_client, alice):
    response = alice_client.post(
        "/settings/",
        {
            "action": "preferences",
            "language": "de",
            "time_zone": "Mars/Olympus",
        },
    )
    assert "Unknown time zone." in response.content.decode()
    alice.refresh_from_db()
    assert (alice.language, alice.time_zone) == ("en", "Europe/Berlin")


def test_the_language_switch_stores_the_choice_and_ignores_foreign_redirects(alice_client, alice):
    response = alice_client.post("/language/", {"language": "de", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    alice.refresh_from_db()
    assert alice.language == "de"
    alice_client.post("/language/", {"language": "klingon"})
    alice.refresh_from_db()
    assert alice.language == "de"


def test_an_owner_invites_someone_who_joins_the_workspace(
    alice_client, workspace, charlie, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(
            "/settings/invitations/", {"email": "charlie@example.org", "role": "viewer"}
        )
    assert len(mail.outbox) == 1
    path = re.search(r"/invitations/\S+/", mail.outbox[0].body).group(0)
    email_confirm(token=email_confirmation_token(charlie))
    client.force_login(charlie)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=charlie, workspace=workspace).role == "viewer"
    assert client.post(path).status_code == 404  # used once


def test_a_member_cannot_invite(bob_client):
    assert bob_client.post("/settings/invitations/", {"email": "x@example.org"}).status_code == 403
    assert not mail.outbox


def test_an_api_token_is_shown_once_and_stored_only_as_a_hash(alice_client, alice):
    html = alice_client.post("/settings/tokens/", {"name": "laptop"}).content.decode()
    raw = re.search(r'id="new-token">(kp_[^<]+)<', html).group(1)
    token = ApiToken.objects.get(user=alice)
    assert token.key_hash == ApiToken.hash(raw) and raw not in token.key_hash
    assert raw not in alice_client.get("/settings/").content.decode()
    alice_client.post(f"/settings/tokens/{token.pk}/revoke/")
    assert not ApiToken.objects.exists()


def test_an_owner_changes_a_role_and_removes_a_member_after_confirmation(
    alice_client, bob, workspace
):
    membership = Membership.objects.get(user=bob, workspace=workspace)
    alice_client.post(f"/settings/members/{membership.pk}/role/", {"role": "viewer"})
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert (
        "Remove" in alice_client.get(f"/settings/members/{membership.pk}/remove/").content.decode()
    )
    assert Membership.objects.filter(pk=membership.pk).exists()
    alice_client.post(f"/settings/members/{membership.pk}/remove/")
    assert not Membership.objects.filter(pk=membership.pk).exists()
    bob.refresh_from_db()
    assert bob.active_workspace_id is None


def test_the_last_owner_cannot_step_down_or_be_removed(alice_client, alice, workspace):
    own = Membership.objects.get(user=alice, workspace=workspace)
    alice_client.post(f"/settings/members/{own.pk}/role/", {"role": "member"})
    alice_client.post(f"/settings/members/{own.pk}/remove/")
    own.refresh_from_db()
    assert own.role == "owner"


def test_members_cannot_manage_members_and_charlie_gets_404(
    bob_client, charlie_client, bob, workspace
):
    membership = Membership.objects.get(user=bob, workspace=workspace)
    assert (
        bob_client.post(f"/settings/members/{membership.pk}/role/", {"role": "owner"}).status_code
        == 403
    )
    assert charlie_client.post(f"/settings/members/{membership.pk}/remove/").status_code == 404
    assert (
        charlie_client.post(
            f"/settings/members/{membership.pk}/role/", {"role": "viewer"}
        ).status_code
        == 404
    )
    membership.refresh_from_db()
    assert membership.role == "member"


def test_an_invitation_expires_and_can_be_withdrawn(
    alice_client, workspace, charlie, client, django_capture_on_commit_callbacks
):
    import datetime as dt

    import time_machine

    from kontaktpflege.accounts.models import Invitation

    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post("/settings/invitations/", {"email": "x@example.org", "role": "member"})
    invitation = Invitation.objects.get()
    client.force_login(charlie)
    with time_machine.travel(invitation.created_at + dt.timedelta(days=15)):
        assert client.post(f"/invitations/{invitation.token}/").status_code == 404
    assert not Membership.objects.filter(user=charlie, workspace=workspace).exists()
    alice_client.post(f"/settings/invitations/{invitation.pk}/revoke/")
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None  # kept: it still counts against the rate limit
    assert client.post(f"/invitations/{invitation.token}/").status_code == 404
    assert invitation.email not in alice_client.get("/settings/").content.decode()


def test_a_user_switches_between_their_workspaces(bob_client, bob, charlie, workspace):
    from kontaktpflege.accounts.services import user_create

    own = user_create(username="bobs-own", email="own@example.org", password="x-long-pass-1")
    Membership.objects.create(user=bob, workspace=own.active_workspace, role="owner")
    response = bob_client.post(f"/workspaces/{own.active_workspace_id}/switch/")
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.active_workspace_id == own.active_workspace_id
    assert bob_client.post(f"/workspaces/{charlie.active_workspace_id}/switch/").status_code == 404
    bob.refresh_from_db()
    assert bob.active_workspace_id == own.active_workspace_id


def test_a_closed_sign_up_refuses_new_accounts(client, settings):
    settings.ALLOW_SIGNUP = False
    response = client.post(
        "/signup/",
        {
            "username": "eve",
            "email": "eve@example.org",
            "password1": "a-long-passphrase-42",
            "password2": "a-long-passphrase-42",
        },
    )
    assert response.status_code == 404
    assert not User.objects.filter(username="eve").exists()
