"""API tokens in the settings: the raw key is shown once, in the answer that creates it, and
kept nowhere (not in the session, not in the database)."""

from __future__ import annotations

import re

from django.contrib.sessions.models import Session

from kontaktpflege.accounts.models import ApiToken


def _everything_stored(client) -> str:
    """The session as the browser's cookie names it, and every row of the session table."""
    rows = " ".join(str(s.get_decoded()) for s in Session.objects.all())
    return f"{dict(client.session)} {rows}"


def test_a_new_token_is_shown_in_the_response_that_creates_it_and_never_kept(alice_client):
    response = alice_client.post("/settings/tokens/", {"name": "Laptop script"})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    raw = re.search(r'<code id="new-token">(kp_[\w-]+)</code>', response.content.decode())
    assert raw, "the new token is not on the page"
    token = ApiToken.objects.get(name="Laptop script")
    assert token.key_hash == ApiToken.hash(raw[1]) != raw[1]
    assert raw[1] not in _everything_stored(alice_client)
    # The page now sits at the token URL: its other forms still post to the settings.
    assert '<form method="post" action="/settings/" novalidate>' in response.content.decode()
    assert alice_client.get("/settings/tokens/").url == "/settings/#tokens"

    again = alice_client.get("/settings/").content.decode()
    assert raw[1] not in again
    assert 'id="new-token"' not in again
    api = alice_client.get("/api/v1/people", headers={"Authorization": f"Bearer {raw[1]}"})
    assert api.status_code == 200


def test_a_token_without_a_name_is_refused_and_nothing_is_created(alice_client):
    response = alice_client.post("/settings/tokens/", {"name": ""}, follow=True)
    assert "Give the token a name." in response.content.decode()
    assert 'id="new-token"' not in response.content.decode()
    assert not ApiToken.objects.exists()
