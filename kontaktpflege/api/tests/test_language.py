"""The API answers in the token user's language unless the request asks for another one with
Accept-Language (as the web answers in the logged-in user's language)."""

from __future__ import annotations

import pytest

from kontaktpflege.privacy.models import DataSubjectRequest

pytestmark = pytest.mark.django_db

ENGLISH = "The input is not valid; nothing was changed."
GERMAN = "Die Eingabe ist ungültig; es wurde nichts geändert."


@pytest.fixture
def lena(make_person):
    return make_person(first_name="Lena", last_name="Vogel")


def _bad_request(api, lena) -> str:
    response = api.post("/privacy/requests", {"person_id": lena.pk, "kind": "nope"})
    assert response.status_code == 422
    assert not DataSubjectRequest.objects.exists()
    return response.json()["detail"]


def test_without_accept_language_an_english_user_gets_english(api, alice, lena):
    assert alice.language == "en"
    body = _bad_request(api, lena)
    assert ENGLISH in body and GERMAN not in body


def test_without_accept_language_a_german_user_gets_german(api, alice, lena):
    alice.language = "de"
    alice.save()
    assert GERMAN in _bad_request(api, lena)


def test_an_explicit_accept_language_wins_over_the_users_language(api, alice, lena):
    api.headers["Accept-Language"] = "de"
    assert GERMAN in _bad_request(api, lena)
    alice.language = "de"
    alice.save()
    api.headers["Accept-Language"] = "en"
    assert ENGLISH in _bad_request(api, lena)
