"""Today, its actions (with and without htmx), Reactivate, settings and the person panel."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from kontaktpflege.accounts.services import user_update_preferences
from kontaktpflege.followups.models import FollowUp, NotificationSettings, State
from kontaktpflege.touchpoints.models import Touchpoint

from .conftest import berlin

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def log_first_meeting(client, person):
    return client.post(
        reverse("touchpoint_create", args=[person.pk]),
        {
            "occurred_at": "2025-06-02T08:30",
            "channel": "meeting",
            "direction": "mutual",
            "summary": "Met at the design thinking evening",
        },
    )


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_first_meeting_snooze_and_done_without_javascript(alice_client, make_person, committed):
    thomas = make_person()
    with committed():
        assert log_first_meeting(alice_client, thomas).status_code == 302
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    page = alice_client.get("/").content.decode()
    assert '<li class="followup' in page and f'id="followup-{item.pk}"' in page
    assert "You met Thomas on June 2: send a personal note within 72 hours" in page

    with time_machine.travel(berlin(2025, 6, 5, 9), tick=False):
        page = alice_client.get("/").content.decode()
        assert 'id="group-today"' in page and f'id="followup-{item.pk}"' in page
        response = alice_client.post(
            reverse("followup_act", args=[item.pk]), {"snooze": "tomorrow"}
        )
        assert response.status_code == 302
        item.refresh_from_db()
        assert (item.state, item.due_on) == (State.SNOOZED, dt.date(2025, 6, 6))

    with time_machine.travel(berlin(2025, 6, 6, 9), tick=False), committed():
        assert f'id="followup-{item.pk}"' in alice_client.get("/").content.decode()
        response = alice_client.post(
            reverse("followup_act", args=[item.pk]),
            {"done": "1", "channel": "linkedin", "summary": "Thanked on LinkedIn"},
        )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == State.DONE
    tp = Touchpoint.objects.get(pk=item.closed_by_touchpoint_id)
    assert (tp.summary, tp.channel, list(tp.participants.all())) == (
        "Thanked on LinkedIn",
        "linkedin",
        [thomas],
    )
    with time_machine.travel(berlin(2025, 6, 6, 10), tick=False):
        assert f'id="followup-{item.pk}"' not in alice_client.get("/").content.decode()


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_htmx_actions_swap_the_item_in_place(alice_client, make_person, committed):
    with committed():
        thomas = make_person()
        log_first_meeting(alice_client, thomas)
    item = FollowUp.objects.get(person=thomas, rule="new_contact")
    url = reverse("followup_act", args=[item.pk])
    response = alice_client.post(url, {"snooze": "date", "snooze_until": "2025-06-01"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and f'id="followup-{item.pk}"' in body
    assert "Choose a date after today." in body
    item.refresh_from_db()
    assert item.state == State.OPEN
    response = alice_client.post(url, {"skip": "1", "reason": "Met twice already"}, **HTMX)
    assert (
        "followup-closed" in response.content.decode() and "<html" not in response.content.decode()
    )
    item.refresh_from_db()
    assert (item.state, item.skip_reason) == (State.SKIPPED, "Met twice already")
    # The whole agenda as a partial for htmx.
    partial = alice_client.get("/", **HTMX).content.decode()
    assert "<html" not in partial


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_bad_actions_show_an_error_and_change_nothing(alice_client, make_person, committed):
    with committed():
        thomas = make_person()
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    url = reverse("followup_act", args=[item.pk])
    for data in (
        {"snooze": "date", "snooze_until": "2025-05-01"},
        {"snooze": "date"},
        {"skip": "1", "reason": ""},
        {"done": "1", "channel": "pigeon"},
        {},
    ):
        response = alice_client.post(url, data, follow=True)
        assert response.status_code == 200
        assert 'class="alert alert-danger"' in response.content.decode()
    item.refresh_from_db()
    assert item.state == State.OPEN and item.due_on == dt.date(2025, 11, 29)
    assert not Touchpoint.objects.exists()


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_agenda_groups_and_speaks_the_readers_language(
    alice_client, bob_client, make_person, committed
):
    with committed():
        thomas = make_person(circle="active")
    FollowUp.objects.filter(person=thomas).update(
        due_on=dt.date(2025, 5, 28),
        params={"name": "Thomas", "last": "2025-02-28", "circle": "active", "interval": 90},
    )
    en = alice_client.get("/").content.decode()
    de = bob_client.get("/").content.decode()
    assert 'id="group-overdue"' in en
    assert "Last contact with Thomas 94 days ago (circle: active, every 90 days)" in en
    assert "Letzter Kontakt mit Thomas vor 94 Tagen (Kreis: aktiv, alle 90 Tage)" in de


def test_without_a_workspace_zone_the_owners_zone_decides_the_day(
    alice, alice_client, make_person, committed
):
    # 23:30 UTC on 1 June: already 2 June in Berlin, still 1 June in New York.
    with time_machine.travel(dt.datetime(2025, 6, 1, 23, 30, tzinfo=dt.UTC), tick=False):
        with committed():
            thomas = make_person()
        FollowUp.objects.filter(person=thomas).update(due_on=dt.date(2025, 6, 2))
        assert 'id="group-today"' in alice_client.get("/").content.decode()
        user_update_preferences(user=alice, language="en", time_zone="America/New_York")
        page = alice_client.get("/").content.decode()
        assert 'id="group-week"' in page and 'id="group-today"' not in page


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_today_needs_few_queries_however_many_items(
    alice_client, make_person, committed, django_assert_max_num_queries
):
    with committed():
        for i in range(30):
            make_person(first_name=f"P{i}")
    FollowUp.objects.update(due_on=dt.date(2025, 6, 1))
    # 9: the shell's menu reads the recruiting switch once (privacy links), whatever the items
    with django_assert_max_num_queries(9):
        page = alice_client.get("/").content.decode()
    assert page.count('class="followup ') == 10  # the page's cap
    assert "?all=1" in page
    with django_assert_max_num_queries(9):
        page = alice_client.get("/?all=1").content.decode()
    assert page.count('class="followup ') == 30


def test_charlie_gets_404_for_alices_follow_ups(charlie_client, make_person, committed):
    with committed():
        thomas = make_person()
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    for data in ({"done": "1"}, {"snooze": "tomorrow"}, {"skip": "1", "reason": "x"}):
        assert charlie_client.post(reverse("followup_act", args=[item.pk]), data).status_code == 404
    response = charlie_client.post(
        reverse("occasion_add", args=[thomas.pk]), {"kind": "promotion", "on": "2025-06-01"}
    )
    assert response.status_code == 404
    assert f"followup-{item.pk}" not in charlie_client.get("/").content.decode()
    item.refresh_from_db()
    assert item.state == State.OPEN and not thomas.occasions.exists()


def test_a_viewer_cannot_act(alice, workspace, make_person, committed, client):
    from kontaktpflege.accounts.models import User
    from kontaktpflege.accounts.services import membership_add

    viewer = User.objects.create_user(username="vic", email="v@example.org", password="pw-x-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    with committed():
        thomas = make_person()
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    client.force_login(viewer)
    assert client.get("/").status_code == 200
    assert client.post(reverse("followup_act", args=[item.pk]), {"done": "1"}).status_code == 403


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_person_page_lists_open_follow_ups(alice_client, make_person, committed):
    with committed():
        thomas = make_person(birthday_day=14, birthday_month=6, birthday_year=1985)
        alice_client.post(
            reverse("occasion_add", args=[thomas.pk]),
            {"kind": "promotion", "on": "2025-06-01", "note": "Head of design"},
        )
    page = alice_client.get(reverse("person", args=[thomas.pk])).content.decode()
    assert 'id="person-followups"' in page
    assert "Thomas turns 40 on June 14" in page
    assert "Promotion of Thomas on June 1: get in touch within a week (Head of design)" in page


def test_reactivate_lists_dormant_contacts_by_value_with_reach(
    alice, alice_client, workspace, make_person, committed
):
    from kontaktpflege.contacts.selectors import person_self
    from kontaktpflege.contacts.services import organisation_create, relationship_set

    with time_machine.travel(berlin(2023, 1, 2, 9), tick=False), committed():
        acme = organisation_create(workspace=workspace, name="Acme", is_target=True)
        weak = make_person(first_name="Weak", circle="dormant")
        close = make_person(first_name="Close", circle="dormant", emails=["c@example.org"])
        target = make_person(
            first_name="Target",
            circle="dormant",
            organisation=acme,
            linkedin_url="https://www.linkedin.com/in/target",
        )
        relationship_set(a=person_self(workspace=workspace, user=alice), b=close, strength=5)
    with time_machine.travel(berlin(2025, 6, 2, 9), tick=False):
        page = alice_client.get(reverse("reactivate")).content.decode()
    order = [page.index(f'id="dormant-{p.pk}"') for p in (close, target, weak)]
    assert order == sorted(order)
    assert "LinkedIn" in page and "no contact data" in page


def test_settings_page_validates_apprise_urls_and_changes_nothing_on_error(alice, alice_client):
    url = reverse("followup_settings")
    assert alice_client.get(url).status_code == 200
    base = {
        "digest_enabled": "on",
        "digest_time": "07:00",
        "email_enabled": "on",
        "networking_weekday": "4",
        "networking_time": "16:00",
        "networking_minutes": "60",
    }
    for bad, message in (
        ("http://example.org/hook", "is not an allowed service"),
        ("file:///etc/passwd", "is not an allowed service"),
        ("not a url", "is not a URL"),
        ("tgram://", "is malformed"),
    ):
        response = alice_client.post(url, {**base, "apprise_urls": bad})
        assert response.status_code == 400
        assert message in response.content.decode()
    row = NotificationSettings.objects.get(user=alice)
    assert not row.digest_enabled and row.apprise_urls == ""
    ok = alice_client.post(url, {**base, "apprise_urls": "ntfy://ntfy.sh/kontaktpflege-test"})
    assert ok.status_code == 302
    row.refresh_from_db()
    assert row.digest_enabled and row.digest_time == dt.time(7) and "ntfy://" in row.apprise_urls


def test_owners_edit_intervals_and_bad_ones_are_refused(alice_client, bob_client, workspace):
    url = reverse("followup_settings")
    bad = alice_client.post(url, {"action": "rules", "core": "0", "active": "90", "network": "180"})
    assert bad.status_code == 400 and "between 1 day and 10 years" in bad.content.decode()
    workspace.refresh_from_db()
    assert "circle_days" not in workspace.settings
    data = {"action": "rules", "core": "21", "active": "90", "network": "180"}
    assert bob_client.post(url, data).status_code == 404
    assert alice_client.post(url, data).status_code == 302
    workspace.refresh_from_db()
    assert workspace.settings["circle_days"]["core"] == 21


def test_today_links_to_the_settings_and_reactivate(alice_client):
    page = alice_client.get("/").content.decode()
    assert reverse("followup_settings") in page and reverse("reactivate") in page


def test_the_item_page_offers_every_action_and_charlie_gets_404(
    alice_client, charlie_client, make_person, committed
):
    with committed():
        thomas = make_person()
    item = FollowUp.objects.get(person=thomas, rule="keep_in_touch")
    page = alice_client.get(reverse("followup_detail", args=[item.pk])).content.decode()
    for control in ('name="channel"', 'name="snooze_until"', 'value="next_month"', 'name="reason"'):
        assert control in page
    assert charlie_client.get(reverse("followup_detail", args=[item.pk])).status_code == 404


def agenda_cards(page: str) -> list[str]:
    """The HTML of each item card on a Today page."""
    return [part.split("</li>")[0] for part in page.split('<li class="followup ')[1:]]


def due_items(make_person, committed, days: list[int], **fields) -> None:
    """One keep-in-touch item per entry of days, due that many days from 2 June 2025."""
    with committed():
        people = [make_person(first_name=f"P{i}", **fields) for i in range(len(days))]
    for person, offset in zip(people, days, strict=True):
        FollowUp.objects.filter(person=person).update(
            due_on=dt.date(2025, 6, 2) + dt.timedelta(days=offset)
        )


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_summary_line_counts_every_group_from_the_totals_in_english_and_german(
    alice_client, bob_client, make_person, committed
):
    # 30 items: more than the 10 the page shows, so the line must come from the totals.
    due_items(make_person, committed, [-3] * 23 + [0] * 2 + [4] * 5)
    en = alice_client.get("/").content.decode()
    de = bob_client.get("/").content.decode()
    assert len(agenda_cards(en)) == 10
    assert '<p class="text-body-secondary mb-3" id="agenda-summary">' in en
    assert "23 overdue · 2 today · 5 this week</p>" in en
    assert "23 überfällig · 2 heute · 5 diese Woche</p>" in de


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_each_card_has_one_primary_action_and_a_menu_that_needs_no_javascript(
    alice_client, make_person, committed
):
    due_items(make_person, committed, [-1, 0])
    occasion = FollowUp.objects.order_by("id").last()
    FollowUp.objects.filter(pk=occasion.pk).update(
        rule="custom", params={"name": "P1", "on": "2025-06-02"}
    )
    cards = agenda_cards(alice_client.get("/").content.decode())
    assert len(cards) == 2
    for card in cards:
        assert card.count("btn-primary") == 1 and card.count("followup-primary") == 1
        menu = card.split('<details class="followup-menu">')[1].split("</details>")[0]
        assert "<summary" in menu and "More…" in menu
        for action in ('name="snooze" value="tomorrow"', 'value="next_week"', 'name="skip"'):
            assert action in menu
        assert 'class="btn btn-sm btn-link followup-more"' in menu and ">Details</a>" in menu
    write = next(c for c in cards if 'data-rule="keep_in_touch"' in c)
    log = next(c for c in cards if 'data-rule="custom"' in c)
    assert 'btn-primary followup-primary followup-compose" href="/people/' in write
    assert ">Write</a>" in write and 'name="done"' in write.split("<details")[1]
    assert 'btn-primary followup-primary" type="submit" name="done" value="1"' in log
    assert ">Log</button>" in log and 'name="done"' not in log.split("<details")[1]
    # The menu's buttons post the same form as before: snooze works without JavaScript.
    response = alice_client.post(
        reverse("followup_act", args=[occasion.pk]), {"snooze": "tomorrow", "summary": ""}
    )
    assert response.status_code == 302
    assert FollowUp.objects.get(pk=occasion.pk).due_on == dt.date(2025, 6, 3)


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_target_company_shows_as_a_small_marked_icon_not_a_badge(
    alice_client, workspace, make_person, committed
):
    from kontaktpflege.contacts.models import Organisation, Person

    target = Organisation.objects.create(workspace=workspace, name="Zielfirma AG", is_target=True)
    due_items(make_person, committed, [-1, -1])
    Person.objects.filter(first_name="P0").update(organisation=target)
    cards = agenda_cards(alice_client.get("/").content.decode())
    marked = [c for c in cards if "followup-target" in c]
    assert len(marked) == 1 and "P0" in marked[0]
    assert 'title="Target company"' in marked[0]
    assert '<span class="visually-hidden">Target company</span>' in marked[0]
    assert all("badge" not in c for c in cards)


def test_the_core_circle_banner_is_short_and_links_to_the_core_circle(
    alice_client, make_person, committed
):
    with committed():
        for i in range(21):  # the core-size rule's default threshold is 20
            make_person(first_name=f"C{i}", circle="core")
        make_person(first_name="Nora", last_name="Netz", circle="network")
    page = alice_client.get("/").content.decode()
    banner = page.split('id="core-warning">')[1].split("</div>")[0]
    assert "21 people in your core circle" in banner and "Quality beats" not in banner
    assert '<a class="alert-link" href="/people/?circle=core" id="core-link">' in banner
    listed = alice_client.get("/people/?circle=core").content.decode()
    assert "C20" in listed and "Nora" not in listed


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_show_all_is_bounded_per_group(alice_client, make_person, committed, monkeypatch):
    from kontaktpflege.followups import selectors

    assert selectors.SHOW_ALL == 100
    monkeypatch.setattr(selectors, "SHOW_ALL", 25)  # the same bound, reached with fewer rows
    due_items(make_person, committed, [-2] * 30)
    page = alice_client.get("/?all=1").content.decode()
    assert len(agenda_cards(page)) == 25
    assert "Showing the first 25." in page and "?all=1#group" not in page
    assert "30 overdue" in page


@time_machine.travel(berlin(2025, 6, 2, 9), tick=False)
def test_the_default_page_lists_ten_items_each_groups_top_two_then_obligations_first(
    alice_client, make_person, committed
):
    # 4 overdue, 6 today of which 4 are late suggestions (less urgent), 5 this week.
    due_items(make_person, committed, [-3] * 4 + [0] * 2 + [-1] * 4 + [4] * 5)
    for item in FollowUp.objects.filter(due_on=dt.date(2025, 6, 1)):
        item.rule, item.params = "custom", {"name": item.person.first_name, "on": "2025-06-01"}
        item.priority = 1
        item.save(update_fields=["rule", "params", "priority"])
    page = alice_client.get("/").content.decode()
    groups = {
        g: agenda_cards(page.split(f'id="group-{g}"')[1].split("</section>")[0])
        for g in ("overdue", "today", "week")
    }
    # Each group its top two; the four other places go to obligations, overdue first, and
    # the suggestions in Today wait behind this week's obligations.
    assert {g: len(cards) for g, cards in groups.items()} == {"overdue": 4, "today": 2, "week": 4}
    assert all('data-rule="keep_in_touch"' in c for c in groups["today"])
    assert "4 overdue · 6 today · 5 this week</p>" in page
    assert "#group-overdue" not in page
    for group, hidden in (("today", 4), ("week", 1)):
        link = f'class="btn btn-sm btn-link followup-show-more" href="?all=1#group-{group}">'
        assert f"{link}Show {hidden} more</a>" in page
    everything = alice_client.get("/?all=1").content.decode()
    assert len(agenda_cards(everything)) == 15 and "followup-show-more" not in everything
    assert 'href="/" id="agenda-short"' in everything
