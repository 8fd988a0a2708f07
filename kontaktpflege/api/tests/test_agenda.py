"""The agenda over the API: grouped like Today with reasons, in the workspace's dates; done,
snooze and skip with the service's conditional update (a second action is refused)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from kontaktpflege.api.tests.conftest import ApiClient
from kontaktpflege.followups import selectors
from kontaktpflege.followups.models import FollowUp, State
from kontaktpflege.touchpoints.models import Touchpoint

BERLIN = ZoneInfo("Europe/Berlin")
NOW = dt.datetime(2025, 6, 2, 9, tzinfo=BERLIN)
TODAY = dt.date(2025, 6, 2)
travel = time_machine.travel(NOW, tick=False)


@pytest.fixture
def items(make_person, committed) -> dict[str, FollowUp]:
    """One keep-in-touch item each: overdue, due today, due this week."""
    found = {}
    with travel:
        for name, due in (
            ("overdue", TODAY - dt.timedelta(days=10)),
            ("today", TODAY),
            ("week", TODAY + dt.timedelta(days=3)),
        ):
            with committed():
                person = make_person(first_name=name.title(), circle="core")
            row = FollowUp.objects.get(person=person, rule="keep_in_touch")
            FollowUp.objects.filter(pk=row.pk).update(due_on=due)
            FollowUp.objects.filter(person=person).exclude(pk=row.pk).delete()
            row.refresh_from_db()
            found[name] = row
    return found


def _state(row: FollowUp) -> tuple:
    row.refresh_from_db()
    return (row.state, row.due_on, row.snoozed_until, row.skip_reason, row.closed_at)


@travel
def test_the_agenda_lists_the_groups_of_today_with_reasons(api, items, workspace):
    response = api.get("/agenda")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["today"] == TODAY.isoformat()
    assert [g["name"] for g in body["groups"]] == ["overdue", "today", "week"]
    plan = selectors.agenda(workspace=workspace, today=TODAY, language="en")
    for group in body["groups"]:
        expected = plan.groups[group["name"]]
        assert [i["id"] for i in group["items"]] == [i.followup.pk for i in expected]
        assert [i["reason"] for i in group["items"]] == [i.reason for i in expected]
        assert group["total"] == 1 and group["more"] is False
    overdue = body["groups"][0]["items"][0]
    assert overdue["person"]["first_name"] == "Overdue"
    assert overdue["days_overdue"] == 10
    assert overdue["reason"]
    assert body["count"] == 3


@travel
def test_the_agenda_shows_totals_beyond_the_items_per_group(api, items, make_person, committed):
    with committed():
        extra = make_person(first_name="Extra", circle="core")
    FollowUp.objects.filter(person=extra).update(due_on=TODAY - dt.timedelta(days=2))
    overdue = api.get("/agenda", per_group=1).json()["groups"][0]
    assert overdue["total"] == FollowUp.objects.filter(due_on__lt=TODAY).count() > 1
    assert len(overdue["items"]) == 1 and overdue["more"] is True


def test_a_member_in_another_zone_sees_the_workspaces_today(bob, items):
    from kontaktpflege.accounts.services import api_token_create

    bob.time_zone = "America/Los_Angeles"
    bob.save(update_fields=["time_zone"])
    _token, raw = api_token_create(user=bob, workspace=bob.active_workspace, name="b")
    early = dt.datetime(2025, 6, 2, 7, tzinfo=BERLIN)  # still 1 June in Los Angeles
    with time_machine.travel(early, tick=False):
        body = ApiClient(raw).get("/agenda").json()
        assert body["today"] == TODAY.isoformat()
        assert [i["id"] for i in body["groups"][1]["items"]] == [items["today"].pk]
        tomorrow = (TODAY + dt.timedelta(days=1)).isoformat()
        path = f"/followups/{items['today'].pk}/snooze"
        response = ApiClient(raw).post(path, {"until": tomorrow})
    assert response.status_code == 200, response.content
    assert response.json()["due_on"] == tomorrow


@travel
def test_one_item_reads_with_its_reason(api, items):
    response = api.get(f"/followups/{items['week'].pk}")
    assert response.status_code == 200
    assert response.json()["state"] == "open" and response.json()["reason"]


@travel
def test_done_logs_a_touchpoint_and_a_second_done_is_already_closed(api, items):
    row = items["today"]
    api.headers["Accept-Language"] = "en"
    response = api.post(f"/followups/{row.pk}/done", {"channel": "call", "summary": "Rief an"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "done"
    touchpoint = Touchpoint.objects.get()
    assert (touchpoint.summary, touchpoint.channel) == ("Rief an", "call")
    assert body["closed_by_touchpoint_id"] == touchpoint.pk
    before = _state(row)
    again = api.post(f"/followups/{row.pk}/done", {})
    assert again.status_code == 422
    assert again.json()["errors"]["__all__"] == ["This follow-up is already closed."]
    assert Touchpoint.objects.count() == 1 and _state(row) == before
    for action, payload in (("snooze", {"until": "2025-07-01"}), ("skip", {"reason": "x"})):
        late = api.post(f"/followups/{row.pk}/{action}", payload)
        assert late.status_code == 422 and "already closed" in late.content.decode()
    assert _state(row) == before


@travel
def test_snooze_moves_the_item_to_the_chosen_day(api, items):
    row = items["overdue"]
    response = api.post(f"/followups/{row.pk}/snooze", {"until": "2025-06-09"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["due_on"]) == ("snoozed", "2025-06-09")
    row.refresh_from_db()
    assert (row.state, row.snoozed_until) == (State.SNOOZED, dt.date(2025, 6, 9))
    overdue = api.get("/agenda").json()["groups"][0]
    assert row.pk not in [i["id"] for i in overdue["items"]]


@travel
def test_skip_closes_the_item_with_its_reason(api, items):
    row = items["week"]
    response = api.post(f"/followups/{row.pk}/skip", {"reason": "Im Urlaub"})
    assert response.status_code == 200, response.content
    assert (response.json()["state"], response.json()["skip_reason"]) == ("skipped", "Im Urlaub")
    row.refresh_from_db()
    assert row.state == State.SKIPPED


BAD_ACTIONS = [
    ("snooze", {"until": "2025-06-02"}, "until"),  # today is not after today
    ("snooze", {"until": "2025-06-01"}, "until"),
    ("snooze", {"until": "2040-01-01"}, "until"),  # beyond ten years
    ("snooze", {"until": "morgen"}, "until"),
    ("snooze", {}, "until"),
    ("skip", {"reason": "   "}, "reason"),
    ("skip", {"reason": "x" * 301}, "reason"),
    ("skip", {"reason": "a\x00b"}, "reason"),
    ("done", {"channel": "pigeon"}, "channel"),
    ("done", {"summary": "x" * 301}, "summary"),
]


@travel
@pytest.mark.parametrize(("action", "payload", "field"), BAD_ACTIONS)
def test_bad_actions_are_refused_and_change_nothing(api, items, action, payload, field):
    row = items["today"]
    before = _state(row)
    response = api.post(f"/followups/{row.pk}/{action}", payload)
    assert response.status_code == 422, response.content
    assert field in response.json()["errors"], response.json()
    assert _state(row) == before
    assert Touchpoint.objects.count() == 0
