"""The workspace's privacy settings page: owners change, members look, others see their own."""

from __future__ import annotations

import pytest

from kontaktpflege.privacy.models import AuditEvent, PrivacyNotice, PrivacySettings
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

pytestmark = pytest.mark.django_db


def test_an_owner_sees_the_public_address_and_publishes_notice_versions(alice_client, pool):
    page = alice_client.get("/settings/privacy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/pool/{pool.public_key}/" in html and 'id="notice-form"' in html
    assert_strict_csp(page)
    assert inline_problems(html) == []
    for text in ("Our notice, first", "Our notice, second"):
        response = alice_client.post(
            "/settings/privacy/", {"action": "notice", "language": "en", "text": text}
        )
        assert response.status_code == 302
    assert list(PrivacyNotice.objects.values_list("version", "text")) == [
        (2, "Our notice, second"),
        (1, "Our notice, first"),
    ]
    assert AuditEvent.objects.filter(action="privacy_notice.published").count() == 2
    response = alice_client.post(
        "/settings/privacy/", {"action": "settings", "consent_months": "12"}
    )
    assert response.status_code == 302
    pool.refresh_from_db()
    assert (pool.signup_enabled, pool.consent_months) == (False, 12)


@pytest.mark.parametrize("months", ["0", "37", "abc", ""])
def test_bad_settings_get_an_error_and_change_nothing(alice_client, pool, months):
    response = alice_client.post(
        "/settings/privacy/",
        {"action": "settings", "signup_enabled": "on", "consent_months": months},
    )
    assert response.status_code == 200 and b"invalid-feedback" in response.content
    pool.refresh_from_db()
    assert (pool.signup_enabled, pool.consent_months) == (True, 24)
    assert not AuditEvent.objects.exists()


def test_an_empty_or_binary_notice_is_refused(alice_client, pool):
    for text in ("", "   ", "bad\x00text"):
        response = alice_client.post(
            "/settings/privacy/", {"action": "notice", "language": "de", "text": text}
        )
        assert response.status_code == 200
    assert not PrivacyNotice.objects.exists()


def test_a_member_sees_the_settings_but_cannot_change_them(bob_client, pool):
    page = bob_client.get("/settings/privacy/")
    assert page.status_code == 200 and b'id="notice-form"' not in page.content
    response = bob_client.post(
        "/settings/privacy/", {"action": "notice", "language": "de", "text": "Mine now"}
    )
    assert response.status_code == 403
    response = bob_client.post("/settings/privacy/", {"action": "settings", "consent_months": "1"})
    assert response.status_code == 403
    assert not PrivacyNotice.objects.exists()
    pool.refresh_from_db()
    assert pool.consent_months == 24


def test_another_workspace_sees_only_its_own_address(charlie_client, pool):
    html = charlie_client.get("/settings/privacy/").content.decode()
    own = PrivacySettings.objects.exclude(pk=pool.pk).get()
    assert f"/pool/{own.public_key}/" in html and pool.public_key not in html
