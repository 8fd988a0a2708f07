"""The responsive app shell in real Chromium: every main page at a phone (390×844) and a laptop
(1280×900) size, without sideways scrolling, with the navigation collapsed on the phone and the
quick log one tap away, without serious or critical axe-core findings and console errors."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kontaktpflege.applications.conversations import conversation_plan
from kontaktpflege.applications.services import application_create
from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.touchpoints.services import touchpoint_log
from kontaktpflege.web.tests.browser import (
    LAPTOP,
    PHONE,
    collect_console_errors,
    serious_axe_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = [pytest.param(PHONE, id="phone"), pytest.param(LAPTOP, id="laptop")]
MAIN_AREAS = ["Today", "People", "Organisations", "Applications", "Conversations", "Network", "Log"]
MAIN_AREAS_DE = [
    "Heute",
    "Personen",
    "Organisationen",
    "Bewerbungen",
    "Gespräche",
    "Netzwerk",
    "Protokoll",
]

# Named URLs of the main pages; {person} is filled in with the seeded person's id.
PAGES = [
    "/",
    "/people/",
    "/people/{person}/",
    "/organisations/",
    "/log/",
    "/people/{person}/compose/",
    "/templates/",
    "/data/",
    "/settings/",
    "/applications/",
    "/applications/list/",
    "/applications/{application}/",
    "/conversations/",
    "/conversations/{conversation}/",
    "/reactivate/",
    "/network/",
    "/network/connect/",
    "/organisations/network/",
    "/insights/",
]


@pytest.fixture
def seeded(workspace, make_person):
    """A workspace as a real user has it: long names, addresses, an organisation, a log."""
    org = organisation_create(
        workspace=workspace,
        name="Bäckerei Großmann & Söhne Handelsgesellschaft mbH",
        industry="Lebensmittelhandwerk",
        region="Nordrhein-Westfalen",
        website="https://www.baeckerei-grossmann-und-soehne.example.com/ueber-uns",
    )
    person = make_person(
        first_name="Maximiliane",
        last_name="Schwarzenberger-Oberhauser",
        academic_title="Dr.",
        job_title="Leiterin Personalentwicklung und Organisationsberatung",
        organisation=org,
        location="Mönchengladbach-Rheydt",
        emails=["maximiliane.schwarzenberger-oberhauser@baeckerei-grossmann.example.com"],
        phones=["+49 2166 123456789"],
        tags=["Konferenz-Köln-2024", "Design-Thinking", "Personalentwicklung"],
        notes="Kennengelernt auf der Konferenz in Köln.",
    )
    make_person(first_name="Anna", last_name="Schmidt", emails=["anna@example.com"])
    touchpoint_log(
        workspace=workspace,
        participants=[person],
        summary="Kaffee in Köln – Design Thinking, Personalentwicklung und Weiterbildung",
        occurred_at=timezone.now() - dt.timedelta(days=3),
    )
    person.application = application_create(
        workspace=workspace,
        organisation=org,
        position="Referentin Personalentwicklung und Organisationsberatung (m/w/d)",
        stage="applied",
        applied_on=timezone.localdate() - dt.timedelta(days=10),
        posting_url="https://karriere.baeckerei-grossmann.example.com/stellen/4711-referentin",
    )
    person.conversation = conversation_plan(
        workspace=workspace,
        person=person,
        goal="Verstehen, wie die Personalentwicklung im Handwerk organisiert ist",
    )
    return person


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", SIZES)
def test_every_main_page_fits_the_screen_and_has_no_serious_axe_finding_or_console_error(
    logged_in_page, seeded, viewport, scheme
):
    page = logged_in_page
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme)
    errors = collect_console_errors(page)
    problems: dict[str, list[str]] = {}
    for template in PAGES:
        url = template.format(
            person=seeded.pk, application=seeded.application.pk, conversation=seeded.conversation.pk
        )
        page.goto(url)
        page.wait_for_load_state("load")
        assert page.evaluate("document.documentElement.dataset.bsTheme") == scheme
        width = page.evaluate("document.documentElement.scrollWidth")
        found = []
        if width > viewport["width"]:
            found.append(f"document {width} px wide")
        found += serious_axe_violations(page)
        if found:
            problems[url] = found
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())
    assert errors == []


def test_the_navigation_collapses_on_a_phone_and_the_quick_log_is_one_tap_away(
    logged_in_page, seeded
):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/people/")
    toggler = page.locator("nav .navbar-toggler")
    expect(toggler).to_be_visible()
    people_link = page.locator("#main-nav a[href='/organisations/']")
    expect(people_link).to_be_hidden()
    # the quick log sits in the collapsed bar: a visible field, typed into without opening a menu
    expect(page.locator("#quicklog-text")).to_be_visible()
    page.fill("#quicklog-text", "Anruf mit Anna Schmidt – Weiterbildung")
    page.press("#quicklog-text", "Enter")
    expect(page.locator("#messages")).to_contain_text("Anna Schmidt")

    toggler.click()
    expect(people_link).to_be_visible()
    people_link.click()
    expect(page.locator("h1")).to_contain_text("Organisations")


def test_the_navigation_stays_on_one_line_at_1280_px_in_german_with_the_quick_log_readable(
    logged_in_page, seeded
):
    page = logged_in_page
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    page.click("#language-form button")  # German: the longer labels
    expect(page.locator("h1")).to_have_text("Heute")
    expect(page.locator("nav .navbar-toggler")).to_be_hidden()
    _assert_one_line(page)
    room, needed = page.evaluate(
        """() => { const f = document.getElementById("quicklog-text");
                   const s = getComputedStyle(f);
                   const c = document.createElement("canvas").getContext("2d");
                   c.font = s.font;
                   const room = f.clientWidth - parseFloat(s.paddingLeft)
                                - parseFloat(s.paddingRight);
                   return [room, c.measureText(f.placeholder).width]; }"""
    )
    assert needed <= room, (needed, room)


def _assert_one_line(page) -> None:
    # One line: every entry starts above the point where the highest-ending one ends.
    links = page.locator("#main-nav .nav-link, #account-nav .nav-item, #quicklog-form")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert max(b["y"] for b in boxes) < min(b["y"] + b["height"] for b in boxes), boxes
    nav_height = page.locator("nav.navbar").bounding_box()["height"]
    assert nav_height < 70, nav_height


def test_all_main_areas_and_the_quick_log_share_one_line_at_1280_px(logged_in_page, seeded):
    page = logged_in_page
    page.set_viewport_size(LAPTOP)
    page.goto("/")
    page.click("#language-form button")  # German: the longer labels
    expect(page.locator("h1")).to_have_text("Heute")
    expect(page.locator("#main-nav .nav-link")).to_have_text(MAIN_AREAS_DE)
    _assert_one_line(page)
    # and the quick log keeps room to type: 13rem with its button
    assert page.locator("#quicklog-form").bounding_box()["width"] >= 13 * 16
    # Templates and import/export sit in the account menu, one click away.
    page.locator("#account-nav .dropdown-toggle").click()
    expect(page.locator("#account-nav a[href='/templates/']")).to_be_visible()
    expect(page.locator("#account-nav a[href='/data/']")).to_be_visible()
    expect(page.locator("#account-nav a[href='/settings/']")).to_be_visible()


def test_the_phone_menu_lists_the_main_areas_in_two_columns(logged_in_page, seeded):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto("/")
    page.locator("nav .navbar-toggler").click()
    expect(page.locator("#main-nav .nav-link")).to_have_text(MAIN_AREAS)
    menu = page.locator("#main-nav").bounding_box()["height"]
    assert menu < 200, menu


def test_dark_mode_follows_the_system_setting(logged_in_page, seeded):
    page = logged_in_page
    page.emulate_media(color_scheme="dark")
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.emulate_media(color_scheme="light")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "light")


def test_pages_link_a_favicon_that_is_served(logged_in_page, live_server):
    page = logged_in_page
    page.goto("/")
    href = page.locator("link[rel=icon]").get_attribute("href")
    assert href and href.endswith(".svg")
    response = page.request.get(live_server.url + href)
    assert response.ok
    assert "<svg" in response.text()


@pytest.mark.parametrize("url", ["/people/", "/organisations/", "/log/"])
def test_stacked_tables_label_every_value_with_its_column_on_a_phone(logged_in_page, seeded, url):
    page = logged_in_page
    page.set_viewport_size(PHONE)
    page.goto(url)
    # Each shown cell with a column heading starts with that heading, except the card's title.
    cells = page.evaluate(
        """() => {
          const table = document.querySelector("table.table-stack");
          const heads = [...table.querySelectorAll("thead th")].map(th => th.textContent.trim());
          return [...table.querySelectorAll("tbody tr")].flatMap(tr =>
            [...tr.children].map((td, i) => ({
              head: heads[i], text: td.textContent.trim(),
              shown: td.offsetHeight > 0, title: td.classList.contains("table-stack-title"),
              before: getComputedStyle(td, "::before").content }))); }"""
    )
    labelled = [c for c in cells if c["shown"] and c["text"] and c["head"] and not c["title"]]
    assert labelled, cells
    unlabelled = [c for c in labelled if c["before"] != f'"{c["head"]}: "']
    assert unlabelled == []
    # The labels belong to the phone layout only.
    page.set_viewport_size(LAPTOP)
    before = page.evaluate(
        """() => getComputedStyle(document.querySelector("td[data-label]"), "::before").content"""
    )
    assert before in ("none", "normal")
