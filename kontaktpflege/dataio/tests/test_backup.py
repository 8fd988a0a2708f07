"""Full JSON backup of a workspace and restore into an empty instance, table by table."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from kontaktpflege.accounts.models import ApiToken, Invitation, Membership, User, Workspace
from kontaktpflege.accounts.services import api_token_create, invitation_create
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import PersonFilters, person_list
from kontaktpflege.contacts.services import relationship_set
from kontaktpflege.dataio import backup
from kontaktpflege.dataio.merge import duplicate_dismiss, person_merge
from kontaktpflege.touchpoints.services import touchpoint_log

APPRISE = "tgram://123456:SECRET-bot-token/987"


@pytest.fixture
def secrets_(workspace, alice, bob):
    """Secrets a backup must not carry; bob works in another workspace of his right now."""
    from kontaktpflege.followups.models import NotificationSettings

    User.objects.filter(pk=alice.pk).update(is_superuser=True, is_staff=True)
    elsewhere = Workspace.objects.create(name="Bob's own")
    Membership.objects.create(user=bob, workspace=elsewhere, role="owner")
    bob.active_workspace = elsewhere
    bob.save(update_fields=["active_workspace"])
    settings_row = NotificationSettings.objects.create(
        workspace=workspace, user=bob, apprise_urls=APPRISE, digest_enabled=True
    )
    token, raw = api_token_create(user=alice, workspace=workspace, name="script")
    invitation = invitation_create(
        workspace=workspace, invited_by=alice, email="new@example.org", role="member"
    )
    return {
        "hashes": [alice.password, bob.password],
        "raw": [raw, token.key_hash, invitation.token, settings_row.ics_token, APPRISE],
        "ics_token": settings_row.ics_token,
    }


@pytest.fixture
def filled(import_file, workspace, bob, make_person, secrets_):
    for name in ("linkedin_current.csv", "google_current.csv", "vcard30.vcf"):
        import_file(name)
    people = list(Person.objects.filter(workspace=workspace, user=None).order_by("id"))
    relationship_set(a=people[0], b=people[1], strength=5, context="colleague")
    touchpoint_log(workspace=workspace, participants=people[:3], summary="Dinner", give_take="give")
    duplicate_dismiss(a=people[3], b=people[4])
    extra = make_person(first_name="Doppel", last_name="Gänger", emails=["d@example.org"])
    person_merge(keep=people[5], remove=extra)
    _career(workspace, people)
    return workspace


def _career(workspace, people):
    """An application with a contact and an interview, a debriefed conversation, an activation."""
    from kontaktpflege.applications import activation, conversations
    from kontaktpflege.applications import services as applications
    from kontaktpflege.contacts.services import organisation_create

    org = organisation_create(workspace=workspace, name="Zielfirma AG", is_target=True)
    application = applications.application_create(
        workspace=workspace, organisation=org, position="Produktdesignerin", stage="applied"
    )
    applications.application_contact_add(
        application=application, person=people[0], role="recruiter"
    )
    applications.interview_add(
        application=application, at=timezone.now(), kind="video", participants=[people[0]]
    )
    talk = conversations.conversation_plan(workspace=workspace, person=people[1], goal="Lernen")
    conversations.conversation_prepare(
        conversation=talk, goal="Lernen", target_company_ids=[org.pk]
    )
    conversations.conversation_hold(conversation=talk, held_at=timezone.now())
    conversations.conversation_debrief(
        conversation=talk,
        learned="Viel",
        new_contacts=[conversations.NewContact(name="Neu Kontakt")],
        insights=[conversations.InsightIn(organisation_id=org.pk, text="Sucht Designer")],
    )
    activation.activation_start(workspace=workspace, person=people[2], goal="reminisce")


def _wipe():
    for model in reversed(list(apps.get_models())):
        if model._meta.app_label in (
            "accounts",
            "contacts",
            "touchpoints",
            "dataio",
            "followups",
            "messaging",
            "applications",
            "network",
        ):
            model._default_manager.all().delete()


def test_every_workspace_table_is_in_the_backup_registry():
    assert backup.uncovered_models() == []
    labels = set(backup.tables())
    for label in (
        "contacts.person",
        "contacts.emailaddress",
        "contacts.phonenumber",
        "contacts.organisation",
        "contacts.employment",
        "contacts.relationship",
        "contacts.tag",
        "touchpoints.touchpoint",
        "touchpoints.participation",
        "dataio.importkey",
        "dataio.mergelog",
        "dataio.columnmapping",
        "applications.application",
        "applications.applicationcontact",
        "applications.interview",
        "applications.conversation",
        "applications.insight",
        "applications.activation",
    ):
        assert label in labels


def test_backup_then_restore_into_an_empty_instance_is_identical(filled):
    first = backup.backup_workspace(workspace=filled)
    assert first["tables"]["contacts.person"] and first["tables"]["touchpoints.participation"]
    _wipe()
    assert not Workspace.objects.exists()
    restored = backup.restore_workspace(data=json.loads(json.dumps(first)))
    second = backup.backup_workspace(workspace=restored)
    first.pop("created_at"), second.pop("created_at")
    for label in first["tables"]:
        assert second["tables"][label] == first["tables"][label], label
    assert second == first


def test_the_backup_holds_no_password_hash_token_or_notification_url(filled, secrets_):
    text = "".join(backup.backup_chunks(workspace=filled))
    for secret in secrets_["hashes"] + secrets_["raw"] + ["SECRET-bot-token", "pbkdf2"]:
        assert secret not in text
    data = json.loads(text)
    assert "accounts.apitoken" not in data["tables"]
    assert "accounts.invitation" not in data["tables"]
    for user in data["tables"]["accounts.user"]:
        assert set(user["fields"]) == {
            "username",
            "email",
            "first_name",
            "last_name",
            "language",
            "time_zone",
        }
    (row,) = data["tables"]["followups.notificationsettings"]
    assert row["fields"]["digest_enabled"] is True
    assert "apprise_urls" not in row["fields"] and "ics_token" not in row["fields"]


def test_restored_members_work_in_the_restored_workspace_without_passwords_or_secrets(
    filled, secrets_
):
    from kontaktpflege.followups.models import NotificationSettings

    data = json.loads("".join(backup.backup_chunks(workspace=filled)))
    _wipe()
    restored = backup.restore_workspace(data=data)
    users = {u.username: u for u in User.objects.all()}
    assert set(users) == {"alice", "bob"}
    for user in users.values():
        assert user.active_workspace == restored
        assert not user.has_usable_password() and user.is_active
        assert not (user.is_superuser or user.is_staff)
    assert users["bob"].language == "de" and users["alice"].first_name == "Alice"
    settings_row = NotificationSettings.objects.get()
    assert settings_row.user == users["bob"] and settings_row.digest_enabled
    assert settings_row.apprise_urls == "" and settings_row.ics_token
    assert settings_row.ics_token != secrets_["ics_token"]
    assert not ApiToken.objects.exists() and not Invitation.objects.exists()
    assert Workspace.objects.get() == restored


def test_secrets_in_an_older_backup_are_not_restored(filled, secrets_):
    data = backup.backup_workspace(workspace=filled)
    alice_row = next(
        u for u in data["tables"]["accounts.user"] if u["fields"]["username"] == "alice"
    )
    alice_row["fields"].update(password=secrets_["hashes"][0], is_superuser=True)
    data["tables"]["accounts.apitoken"] = [{"model": "accounts.apitoken", "pk": 1, "fields": {}}]
    _wipe()
    backup.restore_workspace(data=data)
    alice = User.objects.get(username="alice")
    assert not alice.has_usable_password() and not alice.is_superuser
    assert not ApiToken.objects.exists()


def test_search_and_new_rows_work_after_a_restore(filled, make_person):
    data = backup.backup_workspace(workspace=filled)
    _wipe()
    restored = backup.restore_workspace(data=data)
    found = person_list(workspace=restored, filters=PersonFilters(q="musterwerk"))
    assert [p.last_name for p in found] == ["Beispiel"]
    newest = Person.objects.create(workspace=restored, first_name="Neu")  # sequences were reset
    assert newest.pk > max(o["pk"] for o in data["tables"]["contacts.person"])


def test_restore_refuses_an_instance_with_data(filled):
    data = backup.backup_workspace(workspace=filled)
    before = Person.objects.count()
    with pytest.raises(ValidationError, match="empty instance"):
        backup.restore_workspace(data=data)
    assert Person.objects.count() == before


def test_restore_refuses_a_file_that_is_no_backup(db):
    with pytest.raises(ValidationError, match="not a Kontaktpflege backup"):
        backup.restore_workspace(data={"hello": 1})
    assert not Workspace.objects.exists()


def test_a_broken_backup_restores_nothing(filled):
    data = backup.backup_workspace(workspace=filled)
    _wipe()
    data["tables"]["contacts.emailaddress"][0]["fields"]["person"] = 999999
    with pytest.raises(ValidationError, match="inconsistent"):
        backup.restore_workspace(data=data)
    assert not Person.objects.exists() and not User.objects.exists()


def test_the_backup_and_restore_commands_round_trip(filled, tmp_path):
    path = tmp_path / "backup.json"
    call_command("backup_workspace", "--workspace", str(filled.pk), "-o", str(path))
    people = Person.objects.count()
    _wipe()
    call_command("restore_workspace", str(path))
    assert Person.objects.count() == people


def _participations() -> set[tuple[int, int, str, str]]:
    from kontaktpflege.touchpoints.models import Participation

    return set(
        Participation.objects.values_list("touchpoint_id", "person_id", "channel", "give_take")
    )


def test_restored_participations_carry_their_touchpoints_channel_and_give_take(filled):
    before = _participations()
    assert ("meeting", "give") in {(c, g) for _t, _p, c, g in before}
    data = backup.backup_workspace(workspace=filled)
    _wipe()
    backup.restore_workspace(data=data)
    assert _participations() == before


def test_an_older_backup_without_them_restores_them_from_the_touchpoints(filled):
    before = _participations()
    data = backup.backup_workspace(workspace=filled)
    for row in data["tables"]["touchpoints.participation"]:
        del row["fields"]["channel"], row["fields"]["give_take"]  # as written before 0004
    _wipe()
    backup.restore_workspace(data=data)
    assert _participations() == before
