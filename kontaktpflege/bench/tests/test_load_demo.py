"""`kontaktpflege demo`: creates the demo user with data and prints the login."""

from __future__ import annotations

import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.models import Person


def _run(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def _password(output: str) -> str:
    return re.search(r"password: (\S+)", output).group(1)


def test_it_creates_a_demo_user_with_data_and_prints_a_working_login(db):
    output = _run("--scale", "XS")
    assert "/login/" in output
    assert "username: demo" in output
    user = authenticate(username="demo", password=_password(output))
    assert user is not None
    assert Person.objects.filter(workspace=user.active_workspace).count() == 81


def test_if_empty_keeps_the_data_and_sets_a_new_password(db):
    first = _password(_run("--scale", "XS"))
    workspace = User.objects.get(username="demo").active_workspace
    people = set(Person.objects.filter(workspace=workspace).values_list("id", flat=True))
    output = _run("--scale", "XS", "--if-empty")
    second = _password(output)
    assert second != first
    assert authenticate(username="demo", password=second) is not None
    assert set(Person.objects.filter(workspace=workspace).values_list("id", flat=True)) == people


def test_without_if_empty_it_starts_afresh_and_leaves_other_workspaces_alone(alice, make_person):
    make_person(first_name="Bleibt")
    _run("--scale", "XS")
    _run("--scale", "XS")
    assert User.objects.filter(username="demo").count() == 1
    demo_ws = User.objects.get(username="demo").active_workspace
    assert Person.objects.filter(workspace=demo_ws).count() == 81
    assert Person.objects.filter(first_name="Bleibt").exists()
