"""`kontaktpflege pools` lists the pools with their counts."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kontaktpflege import cli
from kontaktpflege.recruiting.pools import pool_create
from kontaktpflege.recruiting.tests.factories import make_candidate

pytestmark = pytest.mark.django_db


def test_the_pools_command_lists_pools_with_counts(alice, workspace, make_person):
    make_candidate(make_person, workspace, career_level="senior", consent_state="granted")
    make_candidate(make_person, workspace, career_level="entry")
    pool_create(
        workspace=workspace, name="Seniors", kind="dynamic", filters={"career_level": ["senior"]}
    )
    pool_create(workspace=workspace, name="Chosen", kind="static")
    out = StringIO()
    call_command("list_pools", user="alice", stdout=out)
    lines = out.getvalue().splitlines()
    assert "      0  Static (chosen members)" in lines[0] and lines[0].endswith("Chosen")
    assert "      1  Dynamic (saved filter)" in lines[1] and lines[1].endswith("Seniors")
    assert lines[2].strip() == "career_level=['senior']"


def test_the_pools_command_refuses_an_unknown_user(db):
    with pytest.raises(CommandError):
        call_command("list_pools", user="nobody")


def test_kontaktpflege_pools_is_the_list_pools_command(monkeypatch):
    calls = []
    monkeypatch.setattr("django.core.management.execute_from_command_line", calls.append)
    cli.main(["kontaktpflege", "pools", "--user", "a"])
    assert calls == [["kontaktpflege", "list_pools", "--user", "a"]]
