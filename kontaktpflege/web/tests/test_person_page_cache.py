"""The person page's body is cached whole under a digest of every row it shows.

Each test changes one thing the page shows, by a service or behind the ORM's back
(queryset update, raw SQL), and the very next view must show it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from kontaktpflege.contacts.models import Organisation, Person, Relationship, Tag
from kontaktpflege.contacts.services import (
    employment_record,
    person_update,
    relationship_set,
)
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.services import touchpoint_log

BODY = "people/_detail_body.html"


@pytest.fixture
def person(make_person):
    return make_person(first_name="Julia", last_name="Weber", emails=["julia@example.org"])


def _get(client: Client, person: Person, query: str = ""):
    response = client.get(f"/people/{person.pk}/{query}")
    assert response.status_code == 200
    return response


def _page(client: Client, person: Person) -> str:
    return _get(client, person).content.decode()


def test_an_unchanged_person_page_is_served_without_rendering_its_body_again(alice_client, person):
    first = _get(alice_client, person)
    assert BODY in [t.name for t in first.templates]
    second = _get(alice_client, person)
    assert BODY not in [t.name for t in second.templates]
    assert second.content.decode().count("Julia Weber") == first.content.decode().count(
        "Julia Weber"
    )


def test_an_unchanged_page_reads_its_rows_in_one_statement_on_postgresql(
    alice_client, person, django_assert_max_num_queries
):
    """The session, the user with the membership, and the page's rows: on PostgreSQL each
    statement is a round trip and a plan, so the rows come in one; SQLite reads a dozen."""
    _page(alice_client, person)  # cached now
    most = 3 if connection.vendor == "postgresql" else 14
    with django_assert_max_num_queries(most):
        response = _get(alice_client, person)
    assert BODY not in [t.name for t in response.templates]


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_the_pages_read_is_prepared_on_each_connection_unless_switched_off(
    settings, alice_client, person, prepared
):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    settings.DATABASE_PREPARED_STATEMENTS = prepared
    for _ in range(2):  # a new connection prepares it again
        connection.close()
        assert "Julia Weber" in _page(alice_client, person)
        assert ("kp_person_page" in _prepared_here()) is prepared
        assert "Julia Weber" in _page(alice_client, person)  # and executes it again


def test_the_cached_body_carries_this_sessions_csrf_token_and_fresh_form_tokens(
    alice, alice_client, person
):
    _page(alice_client, person)  # cached now
    other = Client()
    other.force_login(alice)  # another session: another CSRF secret
    html = _page(other, person)
    assert "kpcsrfplaceholder" not in html and "kpformtokenplaceholder" not in html
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens
    form_tokens = re.findall(r'name="token" value="([0-9a-f]{32})"', html)
    assert len(form_tokens) == 2 and len(set(form_tokens)) == 2  # the shell's and the page's
    again = re.findall(r'name="token" value="([0-9a-f]{32})"', _page(other, person))
    assert not set(again) & set(form_tokens)
    # the token is good: a quick log from the cached page is accepted
    response = other.post(
        "/log/quick/",
        {"text": "Kaffee", "person": str(person.pk), "token": form_tokens[1]},
        HTTP_X_CSRFTOKEN=tokens[0],
    )
    assert response.status_code == 302


def test_a_logged_touchpoint_and_a_changed_follow_up_show_at_once(alice_client, workspace, person):
    assert "Lunch in Köln" not in _page(alice_client, person)
    touchpoint_log(workspace=workspace, participants=[person], summary="Lunch in Köln")
    assert "Lunch in Köln" in _page(alice_client, person)
    due = timezone.localdate() + dt.timedelta(days=3)
    FollowUp.objects.create(
        workspace=workspace,
        person=person,
        rule="custom",
        key=f"custom:{person.pk}:x",
        due_on=due,
        original_due_on=due,
        params={"name": "Julia Weber", "note": "Messe"},
    )
    html = _page(alice_client, person)
    assert "Nothing due with this person." not in html
    FollowUp.objects.filter(person=person).update(state="done")  # no save(), no signal
    assert "Nothing due with this person." in _page(alice_client, person)


def test_tags_notes_and_contact_points_show_at_once(alice_client, workspace, person):
    _page(alice_client, person)
    person_update(person=person, tags=["Messe"], notes="Mag Tee", phones=["+49 30 1234567"])
    html = _page(alice_client, person)
    assert "Messe" in html and "Mag Tee" in html and "+49 30 1234567" in html
    Tag.objects.filter(name="Messe").update(name="Konferenz")
    assert "Konferenz" in _page(alice_client, person)
    with connection.cursor() as cursor:  # behind the ORM's back
        cursor.execute(
            "UPDATE contacts_emailaddress SET email = %s WHERE person_id = %s",
            ["neu@example.org", person.pk],
        )
    html = _page(alice_client, person)
    assert "neu@example.org" in html and "julia@example.org" not in html


def test_connections_show_a_renamed_or_removed_acquaintance_at_once(
    alice_client, make_person, person
):
    friend = make_person(first_name="Karl", last_name="Klein")
    assert "Karl Klein" not in _page(alice_client, person)
    edge = relationship_set(a=person, b=friend, strength=4, context="colleague")
    assert "Karl Klein" in _page(alice_client, person)
    Person.objects.filter(pk=friend.pk).update(last_name="Groß")  # the other side's name
    html = _page(alice_client, person)
    assert "Karl Groß" in html and "Karl Klein" not in html
    Relationship.objects.filter(pk=edge.pk).update(strength=1)
    assert "1/5" in _page(alice_client, person)
    Relationship.objects.filter(pk=edge.pk).delete()
    assert "Karl Groß" not in _page(alice_client, person)


def test_employment_shows_a_new_position_and_a_renamed_employer_at_once(
    alice_client, workspace, person
):
    org = Organisation.objects.create(workspace=workspace, name="Acme", name_folded="acme")
    assert "Acme" not in _page(alice_client, person)
    employment_record(person=person, organisation=org, title="Einkauf")
    html = _page(alice_client, person)
    assert "Einkauf" in html and "Acme" in html
    Organisation.objects.filter(pk=org.pk).update(name="Beta AG")
    html = _page(alice_client, person)
    assert "Beta AG" in html and "Acme" not in html


def test_the_cached_page_follows_the_readers_rights(alice_client, bob, workspace, person):
    from kontaktpflege.accounts.models import Membership

    assert "Log touchpoint" in _page(alice_client, person)
    Membership.objects.filter(user=bob, workspace=workspace).update(role="viewer")
    reader = Client()
    reader.force_login(bob)
    html = _page(reader, person)
    assert "Julia Weber" in html and "Log touchpoint" not in html


def test_another_workspace_never_gets_the_cached_page(alice_client, charlie_client, person):
    assert "Julia Weber" in _page(alice_client, person)
    response = charlie_client.get(f"/people/{person.pk}/")
    assert response.status_code == 404
    assert "Julia Weber" not in response.content.decode()


def test_an_older_timeline_page_is_its_own_page(alice_client, workspace, person):
    base = timezone.now() - dt.timedelta(days=40)
    for i in range(30):
        touchpoint_log(
            workspace=workspace,
            participants=[person],
            summary=f"Treffen {i:02d}",
            occurred_at=base + dt.timedelta(days=i),
        )
    newest = _page(alice_client, person)
    older = _get(alice_client, person, "?offset=25").content.decode()
    assert "Treffen 29" in newest and "Treffen 29" not in older
    assert "Treffen 00" in older and "Treffen 00" not in newest
    partial = alice_client.get(f"/people/{person.pk}/?offset=25", HTTP_HX_REQUEST="true")
    assert "Treffen 00" in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_the_local_memory_cache_keeps_thousands_of_pages_and_its_size_is_configurable():
    from django.core.cache import cache

    assert cache._max_entries == 3000  # type: ignore[attr-defined]  # Django's default: 300
    code = "from django.conf import settings; print(settings.CACHES['default']['OPTIONS'])"
    env = {
        **os.environ,
        "KP_CACHE_MAX_ENTRIES": "12345",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("KP_CACHE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "{'MAX_ENTRIES': 12345}"
