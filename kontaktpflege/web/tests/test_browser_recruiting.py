"""Recruiting in real Chromium: switch it on, create an opening, add five candidates, move
three to the final interview (plain forms on the cards, no JavaScript needed), and read the
history on the candidacy page. The pages fit a phone and a laptop without serious axe
findings, and the main navigation keeps one line at 1280 px with the Recruiting entry."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from kontaktpflege.recruiting.models import Candidacy, Opening

from .browser import LAPTOP, PHONE, collect_console_errors, serious_axe_violations
from .test_browser_shell import _assert_one_line

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CANDIDATES = [
    ("Jana", "Becker"),
    ("Mehmet", "Yilmaz"),
    ("Sophie", "Wagner"),
    ("Lukas", "Schäfer"),
    ("Anna", "Nowak"),
]


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url
    assert serious_axe_violations(page) == [], page.url


def test_switch_on_open_a_position_add_five_move_three_to_the_final_interview(
    logged_in_page, workspace
):
    page = logged_in_page
    errors = collect_console_errors(page)
    page.set_viewport_size(LAPTOP)
    expect(page.locator("#main-nav a[href='/recruiting/']")).to_have_count(0)

    # switch recruiting on (a team workspace: without the job-seeker areas)
    page.goto("/settings/")
    page.click("#settings-nav a[href='/recruiting/settings/']")
    page.check("#id_enabled")
    page.uncheck("#id_job_seeker_areas")
    page.click("#recruiting-switch button[type=submit]")
    expect(page.locator("#messages")).to_contain_text("Saved")
    expect(page.locator("#stage-list")).to_contain_text("Final interview")
    _fits(page, LAPTOP["width"])

    # the Recruiting entry: openings, empty at first
    page.click("#main-nav a[href='/recruiting/']")
    expect(page.locator("h1")).to_have_text("Openings")
    expect(page.locator(".empty-state")).to_contain_text("No openings yet")
    page.locator("#main a[href='/recruiting/openings/new/']").first.click()
    page.fill("#id_title", "Backend-Entwickler:in Python (m/w/d)")
    page.fill("#id_skills", "Python, Django, PostgreSQL")
    page.select_option("#id_career_level", "professional")
    page.fill("#id_location", "Köln")
    page.select_option("#id_work_mode", "hybrid")
    page.click("#opening-form button[type=submit]")
    expect(page.locator("#opening-title")).to_have_text("Backend-Entwickler:in Python (m/w/d)")
    expect(page.locator("#opening-skills")).to_contain_text("Django")
    opening = Opening.objects.get()

    # five new candidates, one after the other
    page.locator("#main a", has_text="Add candidate").first.click()
    for first, last in CANDIDATES:
        page.fill("#id_first_name", first)
        page.fill("#id_last_name", last)
        page.fill("#id_email", f"{first.lower()}@example.com")
        page.click("#new-candidate-form button[name=again]")
        expect(page.locator("#messages")).to_contain_text(f"{first} {last} is now a candidate")
    _fits(page, LAPTOP["width"])
    page.goto(f"/recruiting/openings/{opening.pk}/")
    applied = page.locator(".board-column[data-stage='applied'] .candidacy-card")
    expect(applied).to_have_count(5)

    # three move to the final interview with the form on their card
    for first, last in CANDIDATES[:3]:
        card = page.locator(".candidacy-card", has_text=f"{first} {last}")
        card.locator("select").select_option(label="Final interview")
        card.locator("button", has_text="Move").click()
        expect(page.locator("#messages")).to_contain_text("moved to Final interview")
    final = page.locator(".board-column[data-stage='final_interview'] .candidacy-card")
    expect(final).to_have_count(3)
    expect(applied).to_have_count(2)
    _fits(page, LAPTOP["width"])

    # the candidacy page shows the history, and takes a note with a rating
    final.filter(has_text="Jana Becker").locator("h3 a").click()
    expect(page.locator("#candidacy-title")).to_have_text("Jana Becker")
    expect(page.locator("#candidacy-stage")).to_have_text("Final interview")
    history = page.locator("#stage-history li")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("added at Applied")
    expect(history.nth(1)).to_contain_text("Applied → Final interview")
    page.fill("#id_text", "Überzeugende Fallstudie")
    page.select_option("#id_rating", "5")
    page.click("#stage-note-form button[type=submit]")
    expect(page.locator("#stage-notes")).to_contain_text("Überzeugende Fallstudie")
    _fits(page, LAPTOP["width"])
    page.set_viewport_size(PHONE)
    _fits(page, PHONE["width"])
    page.goto(f"/recruiting/openings/{opening.pk}/")
    _fits(page, PHONE["width"])
    assert Candidacy.objects.filter(stage__key="final_interview").count() == 3
    assert errors == []


@pytest.mark.parametrize("job_seeker_areas", [True, False], ids=["personal", "team"])
def test_the_main_navigation_keeps_one_line_at_1280_px_in_german_with_recruiting(
    logged_in_page, workspace, job_seeker_areas
):
    from kontaktpflege.recruiting.services import recruiting_switch

    recruiting_switch(workspace=workspace, enabled=True, job_seeker_areas=job_seeker_areas)
    page = logged_in_page
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    page.click("#language-form button")  # German: the longer labels
    expect(page.locator("h1")).to_have_text("Heute")
    job_seeker = ["Bewerbungen", "Gespräche"] if job_seeker_areas else []
    expected = ["Heute", "Personen", "Organisationen", *job_seeker, "Recruiting"]
    expect(page.locator("#main-nav .nav-link")).to_have_text([*expected, "Netzwerk", "Protokoll"])
    _assert_one_line(page)


@pytest.fixture
def board(workspace, alice, make_person):
    """An opening with candidates at several stages, notes, a rating and a read CV."""
    from kontaktpflege.recruiting.models import CandidateDocument, PipelineStage
    from kontaktpflege.recruiting.services import (
        candidacy_create,
        candidacy_move,
        opening_create,
        recruiting_switch,
        stage_note_add,
    )

    recruiting_switch(workspace=workspace, enabled=True)
    opening = opening_create(
        workspace=workspace,
        created_by=alice,
        title="Referent:in Personalentwicklung und Organisationsberatung (m/w/d)",
        skills=["Personalentwicklung", "Moderation", "Coaching", "Change-Management"],
        location="Mönchengladbach-Rheydt",
        description="Zwei Zeilen\nBeschreibung",
    )
    stages = {s.key: s for s in PipelineStage.objects.filter(workspace=workspace)}
    first = None
    for i, (name, key) in enumerate(
        [("Maximiliane", "final_interview"), ("Jana", "applied"), ("Ben", "offer")]
    ):
        person = make_person(first_name=name, last_name="Schwarzenberger-Oberhauser")
        candidacy = candidacy_create(opening=opening, person=person, source="LinkedIn")
        stage_note_add(candidacy=candidacy, text="Gutes Gespräch", rating=4, author=alice)
        candidacy_move(candidacy=candidacy, stage=stages[key], by=alice)
        first = first or candidacy
        if i == 0:
            CandidateDocument.objects.create(
                workspace=workspace,
                person=person,
                candidacy=candidacy,
                original_name="Lebenslauf Maximiliane Schwarzenberger-Oberhauser.pdf",
                content_type="application/pdf",
                size=120_000,
                sha256="0" * 64,
                state="done",
                pages=2,
                text="Personalentwicklung\nModeration",
            )
    return first


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_every_recruiting_page_fits_and_has_no_serious_axe_finding(
    logged_in_page, board, viewport, scheme
):
    page = logged_in_page
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    errors = collect_console_errors(page)
    problems = {}
    for url in [
        "/recruiting/",
        "/recruiting/openings/new/",
        f"/recruiting/openings/{board.opening_id}/",
        f"/recruiting/openings/{board.opening_id}/edit/",
        f"/recruiting/openings/{board.opening_id}/candidates/new/?q=Jana",
        f"/recruiting/candidacies/{board.pk}/",
        "/recruiting/settings/",
    ]:
        page.goto(url)
        page.wait_for_load_state("load")
        found = []
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            found.append(f"document {width} px wide")
        found += serious_axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}
    assert errors == []
