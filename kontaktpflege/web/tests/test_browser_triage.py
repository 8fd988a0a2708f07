"""In real Chromium: 200 LinkedIn connections make one triage item on Today, not 200; after
choosing 20 key contacts, Today shows only what is due for them (issue #10, point 12)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from kontaktpflege.contacts.models import Person
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.web.tests.test_triage import linkedin_csv

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def work() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_an_import_of_200_makes_one_triage_item_and_20_key_contacts_are_all_that_is_due(
    logged_in_page,
):
    page = logged_in_page
    page.goto("/data/")
    page.set_input_files(
        "#id_file",
        {"name": "Connections.csv", "mimeType": "text/csv", "buffer": linkedin_csv(200)},
    )
    page.click("#upload-form button[type=submit]")
    job = ImportJob.objects.get()
    page.wait_for_url(f"**/data/import/{job.pk}/")
    work()  # the worker reads the file
    expect(page.locator('[data-count="new"]')).to_have_text("200")
    page.get_by_role("button", name="Import now").click()
    work()  # the worker writes the people and computes their follow-ups
    assert Person.objects.filter(origin="import", circle="unsorted").count() == 200

    page.goto("/")
    triage = page.locator("#triage-item")
    expect(triage).to_have_count(1)
    expect(triage).to_contain_text("200 new people from your import: choose your key contacts")
    expect(page.locator("li.followup")).to_have_count(0)

    page.click("#triage-link")
    expect(page.locator("#triage-table tbody tr")).to_have_count(50)
    circles = page.locator("select.triage-circle")
    # Keyboard first: the first row's circle has the focus; typing picks "Core".
    expect(circles.first).to_be_focused()
    page.keyboard.type("Core")
    for i in range(1, 20):
        circles.nth(i).select_option("core")
    chosen = [
        int(v)
        for v in page.locator("input[name=ids]").evaluate_all(
            "els => els.slice(0, 20).map(e => e.value)"
        )
    ]
    page.click("#triage-save")
    expect(page.locator("#messages")).to_contain_text("20 people changed")
    expect(page.locator("#triage-table tbody tr")).to_have_count(50)  # the next 50
    page.click("#triage-leave")
    page.wait_for_url(lambda url: "/people/" not in url)
    expect(page.locator("#triage-item")).to_have_count(0)
    assert set(
        Person.objects.filter(circle="core", user__isnull=True).values_list("pk", flat=True)
    ) == set(chosen)

    # A month later the 20 key contacts are due for a check-in, and nobody else is.
    with time_machine.travel(timezone.now() + dt.timedelta(days=31), tick=False):
        page.goto("/login/")  # the two-week session has run out meanwhile
        page.fill("#id_username", "alice")
        page.fill("#id_password", "pw-alice-123")
        page.click("#main button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto("/?all=1")  # the default page lists only the first 10
        items = page.locator("li.followup")
        expect(items).to_have_count(20)
        expect(page.locator("li.followup[data-rule=keep_in_touch]")).to_have_count(20)
        expect(page.locator("#triage-item")).to_have_count(0)
        shown = {
            int(href.rstrip("/").rsplit("/", 1)[1])
            for href in page.locator("li.followup a.followup-person").evaluate_all(
                "els => els.map(e => e.getAttribute('href'))"
            )
        }
        assert shown == set(chosen)
