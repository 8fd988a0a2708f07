"""The page shell's navigation bar, kept once per language, script prefix and workspace
switches (web/shell.py): each reader still sees their own links, language and tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import set_script_prefix

from kontaktpflege.accounts.services import user_create
from kontaktpflege.recruiting.services import recruiting_switch
from kontaktpflege.web import shell


def _nav(response) -> str:
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<nav ") : html.index("</nav>") + len("</nav>")]


def _fresh(client: Client, path: str) -> str:
    """The bar as the template renders it for this request, with nothing kept."""
    kept = shell._kept
    shell._kept = {}
    try:
        return _nav(client.get(path))
    finally:
        shell._kept = kept


def _tokens_out(nav: str) -> str:
    nav = re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "CSRF", nav)
    return re.sub(r'name="token" value="[0-9a-f]{32}"', "TOKEN", nav)


@pytest.fixture
def team_client(charlie) -> Client:
    """charlie's workspace runs recruiting without the job-seeker areas."""
    recruiting_switch(workspace=charlie.active_workspace, enabled=True, job_seeker_areas=False)
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def both_client(db) -> Client:
    """dora's workspace runs recruiting and keeps the job-seeker areas."""
    dora = user_create(
        username="dora", email="dora@example.org", password="pw-dora-123", language="en"
    )
    recruiting_switch(workspace=dora.active_workspace, enabled=True, job_seeker_areas=True)
    client = Client()
    client.force_login(dora)
    return client


def test_each_reader_gets_the_bar_of_their_language_and_workspace(
    alice_client, bob_client, team_client, both_client
):
    readers = [
        (alice_client, "en"),
        (bob_client, "de"),
        (team_client, "team"),
        (both_client, "both"),
        (alice_client, "en"),
    ]
    bars = {}
    for client, who in readers:
        nav = _nav(client.get("/people/"))
        assert _tokens_out(nav) == _tokens_out(_fresh(client, "/people/"))
        bars[who] = nav
    assert ">People</a>" in bars["en"] and 'lang="de">Deutsch</button>' in bars["en"]
    assert ">Personen</a>" in bars["de"] and 'lang="en">English</button>' in bars["de"]
    assert ">Alice</button>" in bars["en"] and ">bob</button>" in bars["de"]
    for who in ("en", "de"):
        assert 'href="/applications/"' in bars[who] and 'href="/recruiting/"' not in bars[who]
        assert 'id="nav-privacy-account"' in bars[who]
    assert 'href="/recruiting/"' in bars["team"] and 'href="/applications/"' not in bars["team"]
    assert 'id="nav-privacy-requests"' in bars["team"] and ">Charlie</button>" in bars["team"]
    assert 'href="/recruiting/"' in bars["both"] and 'href="/applications/"' in bars["both"]


def test_the_bar_links_under_the_script_prefix_only_when_served_under_one(alice_client):
    # as the WSGI handler does for SCRIPT_NAME (the test client leaves the prefix alone)
    set_script_prefix("/kp/")
    try:
        under = _nav(alice_client.get("/people/"))
    finally:
        set_script_prefix("/")
    at_root = _nav(alice_client.get("/people/"))
    assert 'href="/kp/people/"' in under and 'action="/kp/log/quick/"' in under
    assert 'href="/people/"' in at_root and 'action="/log/quick/"' in at_root
    assert 'href="/kp/' not in at_root and 'action="/kp/' not in at_root


def test_the_bar_carries_this_requests_path_and_tokens(alice_client):
    first = alice_client.get("/people/?q=a&circle=core")
    html = first.content.decode()
    nav = _nav(first)
    assert nav.count('name="next" value="/people/?q=a&amp;circle=core"') == 2
    body_token = re.search(r'"X-CSRFToken": "(\w+)"', html)[1]
    assert nav.count(f'name="csrfmiddlewaretoken" value="{body_token}"') == 3
    form_token = re.search(r'name="token" value="(\w+)"', nav)[1]
    assert form_token not in _nav(alice_client.get("/people/?q=a&circle=core"))


def test_a_visitor_gets_the_bar_without_the_app(client, alice_client):
    alice_client.get("/")
    nav = _nav(client.get("/login/"))
    assert _tokens_out(nav) == _tokens_out(_fresh(client, "/login/"))
    assert 'href="/login/"' in nav and 'id="main-nav"' not in nav
    assert shell.NAME not in nav and shell.NEXT not in nav
