"""Full JSON backup of a workspace and restore into an empty instance, table by table."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import PersonFilters, person_list
from kontaktpflege.contacts.services import relationship_set
from kontaktpflege.dataio import backup
from kontaktpflege.dataio.merge import duplicate_dismiss, person_merge
from kontaktpflege.touchpoints.services import touchpoint_log


@pytest.fixture
def filled(import_file, workspace, bob, make_person):
    for name in ("linkedin_current.csv", "google_current.csv", "vcard30.vcf"):
        import_file(name)
    people = list(Person.objects.filter(workspace=workspace, user=None).order_by("id"))
    relationship_set(a=people[0], b=people[1], strength=5, context="colleague")
    touchpoint_log(workspace=workspace, participants=people[:3], summary="Dinner", give_take="give")
    duplicate_dismiss(a=people[3], b=people[4])
    extra = make_person(first_name="Doppel", last_name="Gänger", emails=["d@example.org"])
    person_merge(keep=people[5], remove=extra)
    return workspace


def _wipe():
    for model in reversed(list(apps.get_models())):
        if model._meta.app_label in (
            "accounts",
            "contacts",
            "touchpoints",
            "dataio",
            "followups",
            "messaging",
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
