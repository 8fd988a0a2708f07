"""The Content-Security-Policy in real Chromium: pages load without a violation, htmx and the
small behaviours in static/js/app.js still work, and the API docs render from local files."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kontaktpflege.accounts.models import ApiToken
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
"""


def _about_csp(text: str) -> bool:
    return "Content Security Policy" in text or text.startswith("CSP violation")


@pytest.fixture
def console(page):
    """CSP violations and script errors of every page the test loads (the login page too);
    other console noise (the browser asking for a /favicon.ico we do not have) is left out."""
    errors: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)
    page.on("console", lambda m: errors.append(m.text) if _about_csp(m.text) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    return errors, requests


def test_pages_load_without_a_csp_violation_and_htmx_still_works(
    console, logged_in_page, live_server, workspace, make_person, api_token
):
    errors, requests = console
    page = logged_in_page
    julia = make_person(first_name="Julia", last_name="Weber", notes="Zwei\nZeilen")
    touchpoint_log(workspace=workspace, participants=[julia], summary="Kennengelernt")
    followup = FollowUp.objects.get(person=julia, rule="new_contact")

    # Today: snoozing goes through htmx (a partial swapped in place, no page load).
    page.goto("/")
    with page.expect_request(
        lambda r: r.url.endswith(f"/{followup.pk}/act/") and r.headers.get("hx-request") == "true"
    ):
        page.locator(f"#followup-{followup.pk} details.followup-menu summary").click()
        page.locator(f"#followup-{followup.pk} button[name=snooze][value=tomorrow]").click()
    expect(page.locator(f"#followup-{followup.pk}.followup-closed")).to_be_visible()
    followup.refresh_from_db()
    assert followup.state == "snoozed"

    # The people list narrows as you type (htmx), the person page and the composer's preview.
    make_person(first_name="Anna", last_name="Schmidt")
    page.goto("/people/")
    page.fill("#people-q", "weber")
    expect(page.locator("#people-table")).not_to_contain_text("Anna Schmidt")
    page.goto(f"/people/{julia.pk}/")
    expect(page.locator("#person-notes")).to_have_css("white-space", "pre-wrap")
    page.goto(f"/people/{julia.pk}/compose/")
    page.fill("textarea[name=notes]", "Der Artikel über Design Thinking")
    expect(page.locator("#compose-preview")).to_contain_text("Design Thinking")

    # data-confirm replaces onsubmit: dismissing keeps the token, accepting revokes it.
    page.goto("/settings/")
    revoke = page.locator("#tokens form[data-confirm] button")
    page.evaluate("() => { window.stayed = true; }")
    page.once("dialog", lambda dialog: dialog.dismiss())
    revoke.click()
    page.wait_for_load_state()
    assert page.evaluate("() => window.stayed") is True  # no submission, no new page
    assert ApiToken.objects.count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    revoke.click()
    expect(page.locator("#messages")).to_contain_text("Token revoked.")
    assert not ApiToken.objects.exists()

    # data-progress replaces the style attribute of the import progress bar.
    page.goto("/data/")
    page.set_input_files(
        "#upload-form input[type=file]",
        files=[
            {
                "name": "people.csv",
                "mimeType": "text/csv",
                "buffer": b"First Name,Last Name\nAnna,Schmidt\n",
            }
        ],
    )
    page.click("#upload-form button[type=submit]")
    page.goto(f"/data/import/{ImportJob.objects.get().pk}/progress/")
    bar = page.locator(".progress-bar[data-progress]")
    percent = bar.get_attribute("data-progress")
    assert bar.evaluate("el => el.style.width") == f"{percent}%"

    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests


def test_the_browser_enforces_the_policy_on_inline_script(console, logged_in_page):
    errors, _requests = console
    page = logged_in_page
    page.goto("/people/")
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.injected = true"; document.body.append(s); }"""
    )
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("() => window.injected") is None
    assert any("script-src" in e for e in errors), errors


def test_the_api_docs_render_from_local_files_under_the_policy(console, page, live_server, db):
    errors, requests = console
    page.goto("/api/v1/docs")
    # Swagger UI parses a 1.7 MB bundle, then fetches the schema that django-ninja builds on
    # the first request: on a loaded CI machine that alone outlasted the 5 s default wait.
    expect(page.locator(".opblock").first).to_be_visible(timeout=30_000)
    expect(page.locator("#swagger-ui")).to_contain_text("/api/v1/people")
    assert errors == []
    assert all(url.startswith(live_server.url) for url in requests), requests
