"""In real Chromium with a real SMTP server: sign up on the public page, confirm from the
received mail, withdraw from the same mail."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from kontaktpflege.contacts.models import Person
from kontaktpflege.privacy.models import Purpose
from kontaktpflege.privacy.selectors import consent_status
from kontaktpflege.privacy.services import privacy_settings_ensure
from kontaktpflege.privacy.tests.conftest import LINK
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def received(smtp_server, count: int):
    deadline = time.monotonic() + 15
    while len(smtp_server.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(smtp_server.messages) == count
    return smtp_server.messages[count - 1]


def paths(mail) -> dict[str, str]:
    body = mail.get_body(preferencelist=("plain",)).get_content()
    urls = [w for w in body.split() if "/consent/" in w]
    return {LINK.search(u).group(1): urlsplit(u).path for u in urls}  # type: ignore[union-attr]


def test_sign_up_confirm_from_the_mail_and_withdraw_from_the_mail(page, workspace, smtp_server):
    workspace.name = "Acme Recruiting"
    workspace.save(update_fields=["name"])
    key = privacy_settings_ensure(workspace=workspace).public_key

    errors = collect_console_errors(page)
    page.goto(f"/pool/{key}/")
    expect(page.locator("#privacy-notice")).to_contain_text("default-1")
    assert serious_axe_violations(page) == []
    page.fill("#id_name", "Mara Stern")
    page.fill("#id_email", "mara@example.com")
    page.fill("#id_interests", "Data engineering")
    page.select_option("#id_career_level", "senior")
    page.check("#id_agree")
    page.click("#pool-signup-form button[type=submit]")
    expect(page.locator("#signup-done")).to_be_visible()

    mail = received(smtp_server, 1)
    assert mail["To"] == "mara@example.com"
    assert "Acme Recruiting" in str(mail["Subject"])
    assert "/consent/withdraw/" in str(mail["List-Unsubscribe"])
    links = paths(mail)
    person = Person.objects.get(emails__email="mara@example.com")
    assert consent_status(person=person, purpose=Purpose.TALENT_POOL).state == "requested"

    page.goto(links["confirm"])
    assert serious_axe_violations(page) == []
    page.click("#confirm-button")
    expect(page.locator("#confirmed")).to_be_visible()
    assert serious_axe_violations(page) == []
    assert consent_status(person=person, purpose=Purpose.TALENT_POOL).state == "granted"
    person.candidate.refresh_from_db()
    assert person.candidate.consent_state == "granted" and person.candidate.career_level == "senior"

    page.goto(links["withdraw"])
    page.click("#withdraw-button")
    expect(page.locator("#withdrawn")).to_be_visible()
    assert serious_axe_violations(page) == [] and errors == []
    assert consent_status(person=person, purpose=Purpose.TALENT_POOL).state == "withdrawn"
    person.candidate.refresh_from_db()
    assert person.candidate.consent_state == "withdrawn"
