"""`kontaktpflege log` logs a touchpoint from the shell through the quick-log service."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kontaktpflege.touchpoints.models import Touchpoint


def _log(*args: str) -> str:
    out = StringIO()
    call_command("log_touchpoint", *args, stdout=out)
    return out.getvalue()


def test_it_logs_a_coffee_with_thomas(alice, make_person):
    thomas = make_person(first_name="Thomas", last_name="Müller")
    output = _log("Coffee with Thomas – design", "--user", "alice")
    touchpoint = Touchpoint.objects.get()
    assert list(touchpoint.participants.all()) == [thomas]
    assert touchpoint.channel == "meeting"
    assert touchpoint.created_by == alice
    assert "Thomas Müller" in output
    thomas.refresh_from_db()
    assert thomas.last_touched_at == touchpoint.occurred_at


def test_an_unknown_name_is_an_error_and_logs_nothing(alice, make_person):
    make_person(first_name="Thomas")
    with pytest.raises(CommandError, match="Nobody called"):
        _log("Call with Zacharias", "--user", "alice")
    assert not Touchpoint.objects.exists()


def test_an_ambiguous_name_is_an_error_and_logs_nothing(alice, make_person):
    make_person(first_name="Thomas", last_name="Müller")
    make_person(first_name="Thomas", last_name="Schmidt")
    with pytest.raises(CommandError, match="matches 2 people"):
        _log("Coffee with Thomas", "--user", "alice")
    assert not Touchpoint.objects.exists()


def test_an_unknown_user_is_an_error(db):
    with pytest.raises(CommandError, match="No active user"):
        _log("Coffee with Thomas", "--user", "nobody")


def test_a_viewer_may_not_log(workspace, make_person):
    from kontaktpflege.accounts.models import User
    from kontaktpflege.accounts.services import membership_add

    viewer = User.objects.create_user(username="vera", email="v@example.org", password="x")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    make_person(first_name="Thomas")
    with pytest.raises(CommandError, match="may not"):
        _log("Coffee with Thomas", "--user", "vera")
    assert not Touchpoint.objects.exists()
