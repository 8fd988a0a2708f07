"""Seed 002 in real Chromium: three finalists rejected with personal notes (one cancelled
before it goes out), the rest of the opening in bulk; after the worker runs, the mails are in
a real SMTP server (aiosmtpd) — personal feedback for the finalists, the friendly template
for the others, nothing for the cancelled one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.messaging import delivery
from kontaktpflege.recruiting import rejections
from kontaktpflege.recruiting.models import Candidacy, Rejection, RejectionState
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

from .rejection_helpers import candidacy, opening, recruiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTES = {
    "Anna": "Ihre Fallstudie war stark; uns fehlte Erfahrung mit Nutzerforschung.",
    "Ben": "Sehr gutes Gespräch; die andere Person bringt mehr Führungserfahrung mit.",
    "Cleo": "Knappe Entscheidung zugunsten interner Besetzung.",
}


def test_finalists_get_personal_rejections_the_rest_one_bulk_rejection(
    logged_in_page, alice, workspace, smtp_server, settings
):
    # The worker is not in this process: tasks wait until the test runs them, as it would.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    page = logged_in_page
    errors = collect_console_errors(page)
    recruiting(workspace)
    job = opening(workspace, "Product Designer")
    finalists = {
        name: candidacy(workspace, job, "final_interview", first_name=name, last_name="Finale")
        for name in NOTES
    }
    early = [candidacy(workspace, job, "screening", first_name=f"Early{i}") for i in range(4)]

    for name, note in NOTES.items():
        page.goto(f"/recruiting/candidacies/{finalists[name].pk}/reject/")
        page.fill("#id_feedback_notes", note)
        page.get_by_role("button", name="Draft the personal rejection").click()
        expect(page.locator("#id_body")).to_contain_text(note)
        if name == "Cleo":  # scheduled for tomorrow, then cancelled before it goes out
            tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(user_zone(alice))
            page.fill("#id_send_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Schedule").click()
        expect(page.locator("#messages")).to_contain_text("Rejection scheduled")
    assert serious_axe_violations(page) == [], page.url

    cleo = Rejection.objects.get(candidacy=finalists["Cleo"])
    page.locator(f"#rejection-{cleo.pk}").get_by_role("link", name="Cancel").click()
    expect(page.locator("main")).to_contain_text("Nothing is sent")
    page.get_by_role("button", name="Cancel the rejection").click()
    expect(page.locator("#messages")).to_contain_text("Rejection cancelled")

    page.goto(f"/recruiting/openings/{job.pk}/reject/")
    assert serious_axe_violations(page) == [], page.url
    for c in early:
        page.check(f"input[name=candidacies][value='{c.pk}']")
    page.get_by_role("button", name="Schedule the rejections").click()
    expect(page.locator("#messages")).to_contain_text("4 rejections scheduled")

    assert smtp_server.messages == []  # nothing before the worker runs
    assert rejections.rejections_send_due() == 6
    delivery.outbox_drain()

    received = {str(m["To"]): m.get_body(("plain",)).get_content() for m in smtp_server.messages}
    assert set(received) == {"anna@example.com", "ben@example.com"} | {
        f"early{i}@example.com" for i in range(4)
    }
    assert NOTES["Anna"] in received["anna@example.com"]
    assert NOTES["Ben"] in received["ben@example.com"]
    assert "rufen Sie uns gern an" in received["early0@example.com"]
    assert Rejection.objects.get(pk=cleo.pk).state == RejectionState.CANCELLED
    cleo_c = Candidacy.objects.select_related("stage").get(pk=finalists["Cleo"].pk)
    assert cleo_c.stage.key == "final_interview" and not cleo_c.silver_medallist
    assert Candidacy.objects.filter(silver_medallist=True).count() == 2
    assert errors == []
