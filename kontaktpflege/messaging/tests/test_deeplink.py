"""Deep links for phone numbers stored as written (no country code) or with an extension."""

from __future__ import annotations

import pytest

from kontaktpflege.messaging.transports.deeplink import deeplink

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("phone", "whatsapp", "call"),
    [
        ("+49 170 1234567", "https://wa.me/491701234567", "tel:+491701234567"),
        ("0170 1234567", "", "tel:01701234567"),
        ("+49 30 1234567 ext. 102", "https://wa.me/49301234567", "tel:+49301234567;ext=102"),
    ],
)
def test_links_use_only_the_number_and_need_a_country_code_for_whatsapp(
    make_person, phone, whatsapp, call
):
    person = make_person(phones=[phone])
    assert deeplink("whatsapp", person) == whatsapp
    assert deeplink("call", person) == call
