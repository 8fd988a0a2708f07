"""Issue 14's acceptance in real Chromium, through the linked pages of the recruiting area:
an opening with candidates; three finalists rejected with personal notes (one cancelled
before it goes out), the rest in bulk; the mails reach a real SMTP server (aiosmtpd); the
finalists appear as silver medallists in a dynamic pool; a new opening ranks them with the
reasons; inviting one creates a candidacy on the new opening's board.

Setup by service (no UI step of its own exists for it): the candidates are created at their
stages (adding and moving through the UI is covered in web/tests/test_browser_recruiting.py),
and the automatic tag pass runs as the worker would after notes or a CV (it is not yet
triggered by the candidacy pages). The worker's send steps run in the test, as in the
rejection browser test."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontaktpflege.contacts.services import person_create
from kontaktpflege.core.timeutils import user_zone
from kontaktpflege.messaging import delivery
from kontaktpflege.recruiting import rejections, tags
from kontaktpflege.recruiting.models import (
    Candidacy,
    Opening,
    PipelineStage,
    Rejection,
    RejectionState,
    TalentPool,
)
from kontaktpflege.recruiting.services import candidacy_create, opening_create, recruiting_switch
from kontaktpflege.web.tests.browser import collect_console_errors, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000  # the machine running the suite may be slow; the steps are not timed

NOTES = {
    "Anna": "Ihre Fallstudie war stark; uns fehlte Erfahrung mit Nutzerforschung.",
    "Ben": "Sehr gutes Gespräch; die andere Person bringt mehr Führungserfahrung mit.",
    "Cleo": "Knappe Entscheidung zugunsten interner Besetzung.",
}


def _candidate(workspace, job, stage_key, first, title):
    person = person_create(
        workspace=workspace,
        first_name=first,
        last_name="Kandidat",
        emails=[f"{first.lower()}@example.com"],
        job_title=title,
        notes="Erfahrung mit Python, Django und PostgreSQL.",
        location="Köln",
    )
    stage = PipelineStage.objects.get(workspace=workspace, key=stage_key)
    return candidacy_create(opening=job, person=person, stage=stage)


def test_finalists_rejected_become_silver_medallists_in_a_pool_ranked_and_invited_to_a_new_opening(
    logged_in_page, alice, workspace, smtp_server, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    page = logged_in_page
    page.set_default_timeout(WAIT)
    page.set_default_navigation_timeout(WAIT)
    errors = collect_console_errors(page)

    recruiting_switch(workspace=workspace, enabled=True)
    job = opening_create(
        workspace=workspace, created_by=alice, title="Backend-Entwickler:in", skills=["Python"]
    )
    finalists = {
        name: _candidate(workspace, job, "final_interview", name, "Senior Python-Entwickler:in")
        for name in NOTES
    }
    early = [
        _candidate(workspace, job, key, f"Early{i}", "Werkstudent:in")
        for i, key in enumerate(["applied", "screening", "screening", "first_interview"])
    ]
    tags.skills_vocabulary_ensure(workspace=workspace)
    tags.candidate_tags_refresh(
        workspace=workspace, person_ids=[c.person_id for c in [*finalists.values(), *early]]
    )

    # 1. the finalists, one by one: board → candidacy → Reject → review → schedule
    for name, note in NOTES.items():
        page.goto(f"/recruiting/openings/{job.pk}/")
        page.locator(".candidacy-card", has_text=f"{name} Kandidat").get_by_role(
            "link", name=f"{name} Kandidat", exact=True
        ).click()
        expect(page.locator("#candidacy-title")).to_have_text(f"{name} Kandidat", timeout=WAIT)
        page.click("#candidacy-reject")
        page.fill("#id_feedback_notes", note)
        page.get_by_role("button", name="Draft the personal rejection").click()
        expect(page.locator("#id_body")).to_contain_text(note, timeout=WAIT)
        if name == "Cleo":  # scheduled for tomorrow, then cancelled before it goes out
            tomorrow = (timezone.now() + dt.timedelta(days=1)).astimezone(user_zone(alice))
            page.fill("#id_send_at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="Schedule", exact=True).click()
        expect(page.locator("#messages")).to_contain_text("Rejection scheduled", timeout=WAIT)
    assert serious_axe_violations(page) == [], page.url

    cleo = Rejection.objects.get(candidacy=finalists["Cleo"])
    page.locator(f"#rejection-{cleo.pk}").get_by_role("link", name="Cancel").click()
    page.get_by_role("button", name="Cancel the rejection").click()
    expect(page.locator("#messages")).to_contain_text("Rejection cancelled", timeout=WAIT)

    # 2. the rest in bulk, from the opening page
    page.click("#recruiting-nav a[href='/recruiting/']")
    page.get_by_role("link", name="Backend-Entwickler:in").click()
    page.click("#opening-reject")
    assert serious_axe_violations(page) == [], page.url
    for c in early:
        page.check(f"input[name=candidacies][value='{c.pk}']")
    page.get_by_role("button", name="Schedule the rejections").click()
    expect(page.locator("#messages")).to_contain_text("4 rejections scheduled", timeout=WAIT)

    # the worker sends what is due: personal feedback to two finalists, the template to the rest
    assert smtp_server.messages == []
    assert rejections.rejections_send_due() == 6
    delivery.outbox_drain()
    received = {str(m["To"]): m.get_body(("plain",)).get_content() for m in smtp_server.messages}
    assert set(received) == {"anna@example.com", "ben@example.com"} | {
        f"early{i}@example.com" for i in range(4)
    }
    assert NOTES["Anna"] in received["anna@example.com"]
    assert NOTES["Ben"] in received["ben@example.com"]
    assert Rejection.objects.get(pk=cleo.pk).state == RejectionState.CANCELLED

    # the silver medallist's candidacy shows the badge and the update page
    page.goto(f"/recruiting/candidacies/{finalists['Anna'].pk}/")
    expect(page.locator("#silver-medallist")).to_be_visible(timeout=WAIT)
    expect(page.locator("#candidacy-reject")).to_have_count(0)
    page.click("#nurture-update")
    expect(page.locator("h1")).to_contain_text("Anna Kandidat", timeout=WAIT)

    # 3. a dynamic pool: silver medallists who reached the final interview
    page.click("#main-nav a[href='/recruiting/']")
    page.click("#recruiting-nav a[href='/recruiting/pools/']")
    page.locator("#main").get_by_role("link", name="New pool").first.click()
    page.fill("#id_name", "Silbermedaillen Backend")
    page.select_option("#id_kind", "dynamic")
    page.select_option("#id_stage_reached", label="Final interview")
    page.check("#id_silver_medallist")
    page.locator("#main button[type=submit]", has_text="Save").click()
    expect(page.locator("h1")).to_have_text("Silbermedaillen Backend", timeout=WAIT)
    expect(page.locator("#pool-count")).to_have_text("2 members", timeout=WAIT)
    members = page.locator("#main table tbody")
    expect(members).to_contain_text("Anna Kandidat", timeout=WAIT)
    expect(members).to_contain_text("Ben Kandidat")
    expect(members).not_to_contain_text("Cleo")  # her rejection was cancelled
    expect(members).not_to_contain_text("Early")
    assert serious_axe_violations(page) == [], page.url
    pool = TalentPool.objects.get(name="Silbermedaillen Backend")

    # 4. a new opening ranks them with the reasons
    page.click("#main-nav a[href='/recruiting/']")
    page.locator("#main a[href='/recruiting/openings/new/']").first.click()
    page.fill("#id_title", "Senior Backend (Python)")
    page.fill("#id_skills", "Python, Django, Kubernetes")
    page.fill("#id_location", "Köln")
    page.click("#opening-form button[type=submit]")
    expect(page.locator("#opening-title")).to_have_text("Senior Backend (Python)", timeout=WAIT)
    new_job = Opening.objects.get(title="Senior Backend (Python)")
    page.click("#opening-matches")
    page.select_option("#matches-pool", str(pool.pk))
    page.get_by_role("button", name="Rank").click()
    rows = page.locator("#main table tbody tr")
    expect(rows).to_have_count(2, timeout=WAIT)
    for row in (rows.nth(0), rows.nth(1)):
        reasons = row.locator(".match-reasons")
        expect(reasons).to_contain_text("2 of 3 skills", timeout=WAIT)
        expect(reasons).to_contain_text("Python")
        expect(reasons).to_contain_text("Django")
        expect(reasons).to_contain_text("missing: Kubernetes")
    assert serious_axe_violations(page) == [], page.url

    # 5. inviting one creates the candidacy, shown on the new opening's board
    anna = finalists["Anna"].person
    page.check(f"#invite-{anna.pk}")
    page.get_by_role("button", name="Invite the chosen ones").click()
    expect(page.locator("#messages")).to_contain_text("Invited: 1.", timeout=WAIT)
    invited = Candidacy.objects.get(opening=new_job)
    assert invited.person_id == anna.pk and invited.source == "rematch"
    page.goto(f"/recruiting/openings/{new_job.pk}/")
    card = page.locator(".board-column[data-stage='applied'] .candidacy-card")
    expect(card).to_have_count(1, timeout=WAIT)
    expect(card).to_contain_text("Anna Kandidat")
    before = len(smtp_server.messages)
    delivery.outbox_drain()
    invitation = [m for m in smtp_server.messages[before:] if str(m["To"]) == "anna@example.com"]
    assert len(invitation) == 1
    assert errors == []
