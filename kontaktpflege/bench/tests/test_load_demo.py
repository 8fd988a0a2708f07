"""`kontaktpflege demo`: creates the demo user with data and prints the login."""

from __future__ import annotations

import re
from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.models import Person
from kontaktpflege.touchpoints.models import Touchpoint


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


def _people(workspace) -> set[int]:
    return set(Person.objects.filter(workspace=workspace).values_list("id", flat=True))


def test_if_empty_creates_the_demo_user_and_prints_its_password_once(db):
    output = _run("--scale", "XS", "--if-empty")
    assert authenticate(username="demo", password=_password(output)) is not None
    again = _run("--scale", "XS", "--if-empty")
    assert "password:" not in again


def test_if_empty_keeps_the_data_and_a_changed_password(db):
    _run("--scale", "XS")
    user = User.objects.get(username="demo")
    user.set_password("my-own-demo-pw-42")
    user.save()
    people = _people(user.active_workspace)
    output = _run("--scale", "XS", "--if-empty")
    assert "password:" not in output
    assert "demo user exists" in output
    assert "kontaktpflege demo --reset-password" in output
    assert authenticate(username="demo", password="my-own-demo-pw-42") is not None
    assert _people(user.active_workspace) == people


def test_reset_password_prints_a_new_working_password_and_keeps_the_data(db):
    first = _password(_run("--scale", "XS"))
    workspace = User.objects.get(username="demo").active_workspace
    people = _people(workspace)
    second = _password(_run("--reset-password"))
    assert second != first
    assert authenticate(username="demo", password=second) is not None
    assert authenticate(username="demo", password=first) is None
    assert _people(workspace) == people


def test_reset_password_without_a_demo_user_creates_it(db):
    output = _run("--scale", "XS", "--reset-password")
    assert authenticate(username="demo", password=_password(output)) is not None
    assert "Generated 80 people" in output


def test_language_en_makes_an_english_demo_workspace(db):
    output = _run("--scale", "XS", "--language", "en")
    user = authenticate(username="demo", password=_password(output))
    assert user.language == "en"
    summaries = Touchpoint.objects.filter(workspace=user.active_workspace)
    assert not summaries.filter(summary__contains=" mit ").exists()
    assert summaries.filter(summary__contains=" with ").exists()


def test_without_if_empty_it_starts_afresh_and_leaves_other_workspaces_alone(alice, make_person):
    make_person(first_name="Bleibt")
    _run("--scale", "XS")
    _run("--scale", "XS")
    assert User.objects.filter(username="demo").count() == 1
    demo_ws = User.objects.get(username="demo").active_workspace
    assert Person.objects.filter(workspace=demo_ws).count() == 81
    assert Person.objects.filter(first_name="Bleibt").exists()
