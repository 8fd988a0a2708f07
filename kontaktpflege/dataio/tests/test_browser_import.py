"""In real Chromium: the job page waits for the worker and then shows the preview by itself,
with htmx and with JavaScript turned off."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.dataio.tests.conftest import fixture_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def upload_and_let_the_worker_read(page) -> None:
    page.goto("/data/")
    page.set_input_files(
        "#id_file",
        {
            "name": "Connections.csv",
            "mimeType": "text/csv",
            "buffer": fixture_bytes("linkedin_current.csv"),
        },
    )
    page.click("#upload-form button[type=submit]")
    job = ImportJob.objects.get()
    page.wait_for_url(f"**/data/import/{job.pk}/")
    expect(page.locator("#main")).to_contain_text("Reading the file")
    assert ImportJob.objects.get().state == "parsing"
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_job_page_shows_the_preview_when_the_worker_is_done(logged_in_page):
    upload_and_let_the_worker_read(logged_in_page)
    expect(logged_in_page.locator('[data-count="new"]')).to_have_text("10")
    expect(logged_in_page.locator("#main")).not_to_contain_text("Reading the file")


def test_without_javascript_the_job_page_refreshes_itself_until_the_preview(
    browser, live_server, alice
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto("/login/")
        page.fill("#id_username", "alice")
        page.fill("#id_password", "pw-alice-123")
        page.click("#main button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        upload_and_let_the_worker_read(page)
        expect(page.locator('[data-count="new"]')).to_have_text("10")
    finally:
        context.close()
