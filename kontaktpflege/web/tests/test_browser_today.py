"""The Today agenda end to end in real Chromium."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from kontaktpflege.contacts.services import organisation_create
from kontaktpflege.core.timeutils import local_today
from kontaktpflege.followups.bench import fill_today
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Touchpoint
from kontaktpflege.web.tests.browser import contrast, serious_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_first_meeting_becomes_a_72_hour_item_that_can_be_snoozed_and_completed(
    logged_in_page, make_person
):
    person = make_person(first_name="Julia", last_name="Weber")
    page = logged_in_page
    page.fill("#quicklog-text", "Kaffee mit Julia Weber – Konferenz in Köln")
    page.press("#quicklog-text", "Enter")
    expect(page.locator("#messages")).to_contain_text("Julia Weber")

    page.goto("/")
    item = page.locator("li.followup[data-rule=new_contact]")
    expect(item).to_have_count(1)
    expect(item.locator(".followup-reason")).to_contain_text("Julia")
    expect(item.locator(".followup-reason")).to_contain_text("72")
    followup = FollowUp.objects.get(person=person, rule="new_contact")

    # Secondary actions sit in the item's menu; the primary one is "Write".
    expect(item.locator(".followup-primary")).to_have_text("Write")
    item.locator("details.followup-menu summary").click()
    item.locator("button[name=snooze][value=tomorrow]").click()
    expect(page.locator(f"#followup-{followup.pk}.followup-closed")).to_be_visible()
    followup.refresh_from_db()
    assert followup.state == "snoozed"

    # Snoozed until tomorrow, it waits in "this week"; completing it logs a touchpoint.
    page.goto("/")
    row = page.locator(f"#followup-{followup.pk}")
    expect(row.locator(".followup-due")).to_contain_text("snoozed until")
    row.locator("details.followup-menu summary").click()
    row.locator("input[name=summary]").fill("Nachricht mit dem Artikel geschickt")
    row.locator("button[name=done]").click()
    expect(page.locator(f"#followup-{followup.pk}.followup-closed")).to_be_visible()
    followup.refresh_from_db()
    assert followup.state == "done"
    assert Touchpoint.objects.filter(
        participants=person, summary="Nachricht mit dem Artikel geschickt"
    ).exists()
    page.goto("/")
    expect(page.locator(f"#followup-{followup.pk}")).to_have_count(0)


def test_keyboard_shortcuts_move_complete_and_open_the_help(logged_in_page, make_person):
    people = [make_person(first_name=name, last_name="Kurz") for name in ("Ada", "Ben", "Cem")]
    FollowUp.objects.filter(person__in=people).update(due_on=dt.date.today() - dt.timedelta(3))
    page = logged_in_page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/")
    items = page.locator("li[data-followup]")
    expect(items).to_have_count(3)
    ids = [int(i.split("-")[1]) for i in items.evaluate_all("els => els.map(e => e.id)")]

    # Typing in a field never triggers a shortcut.
    page.fill("#quicklog-text", "jjd")
    expect(page.locator("li[aria-current=true]")).to_have_count(0)
    page.locator("#quicklog-text").blur()

    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(page.locator(f"#followup-{ids[1]}")).to_have_attribute("aria-current", "true")
    page.keyboard.press("d")
    expect(page.locator(f"#followup-{ids[1]}.followup-closed")).to_be_visible()
    states = dict(FollowUp.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert [states[i] for i in ids] == ["open", "done", "open"]

    page.keyboard.press("?")
    help_dialog = page.locator("#shortcut-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog).to_contain_text("Snooze until tomorrow")
    page.keyboard.press("Escape")
    expect(help_dialog).to_be_hidden()
    assert errors == []


@pytest.mark.parametrize(
    "viewport",
    [
        pytest.param({"width": 390, "height": 844}, id="phone"),
        pytest.param({"width": 1280, "height": 900}, id="laptop"),
    ],
)
def test_today_with_200_due_items_stays_under_three_screen_heights_by_default(
    logged_in_page, alice, workspace, viewport
):
    fill_today(workspace, local_today(alice))
    page = logged_in_page
    page.set_viewport_size(viewport)
    page.goto("/")
    expect(page.locator("#agenda-summary")).to_have_text("100 overdue · 50 today · 50 this week")
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 3 * viewport["height"], height
    # Every hidden item is one click away, without JavaScript.
    more = page.locator("#group-overdue a.followup-show-more")
    expect(more).to_have_attribute("href", "?all=1#group-overdue")
    more.click()
    expect(page.locator("#group-overdue li[data-followup]")).to_have_count(100)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_item_chosen_with_j_and_k_is_clearly_highlighted_and_target_people_carry_a_star(
    logged_in_page, workspace, make_person, scheme
):
    target = organisation_create(workspace=workspace, name="Zielfirma AG", is_target=True)
    other = organisation_create(workspace=workspace, name="Andere GmbH")
    people = [
        make_person(first_name="Ada", last_name="Kurz", organisation=target),
        make_person(first_name="Ben", last_name="Kurz", organisation=other),
        make_person(first_name="Cem", last_name="Kurz", organisation=target),
    ]
    FollowUp.objects.filter(person__in=people).update(due_on=dt.date.today() - dt.timedelta(3))
    page = logged_in_page
    page.emulate_media(color_scheme=scheme)
    page.goto("/")
    cards = page.locator("li[data-followup]")
    expect(cards).to_have_count(3)

    # A star, named for screen readers, on each card of a person at a target company.
    stars = page.locator("li[data-followup] .followup-target")
    expect(stars).to_have_count(2)
    for i in range(2):
        expect(stars.nth(i)).to_have_accessible_name("Target company")
        expect(stars.nth(i)).to_have_text("★Target company")
    expect(page.locator("li[data-followup] .badge")).to_have_count(0)
    star_colour, page_bg = page.evaluate(
        """() => [getComputedStyle(document.querySelector(".followup-target")).color,
                  getComputedStyle(document.body).backgroundColor]"""
    )
    assert contrast(page, star_colour, page_bg) >= 3

    page.keyboard.press("j")
    current = page.locator("li[aria-current=true]")
    expect(current).to_have_count(1)
    style = current.evaluate(
        """el => { const s = getComputedStyle(el);
                   return {style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                           ring: s.outlineColor, bg: s.backgroundColor,
                           page: getComputedStyle(document.body).backgroundColor}; }"""
    )
    assert style["style"] == "solid" and style["width"] >= 2, style
    assert contrast(page, style["ring"], style["page"]) >= 3, style
    assert style["bg"] != style["page"], style
    # The text on the highlighted card keeps its contrast (axe checks it as it is shown).
    assert serious_axe_violations(page) == []
