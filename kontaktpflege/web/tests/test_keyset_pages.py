"""Keyset pages of the people, organisations and log lists: ties, gaps, bad cursors."""

import base64
import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.selectors import PersonFilters, person_list_rows
from kontaktpflege.contacts.services import organisation_create, person_create
from kontaktpflege.core.keyset import encode_cursor
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db

ROW = re.compile(r'id="pick-(\d+)"')


def _link(html: str, rel: str) -> str | None:
    found = re.search(rf'rel="{rel}" href="\?([^"]*)"', html)
    return found.group(1).replace("&amp;", "&") if found else None


def _walk(client, url: str, rel: str = "next", row=ROW) -> list[list[int]]:
    """The ids of every page, following the rel links from `url` until there is none."""
    pages = []
    for _ in range(50):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        pages.append([int(i) for i in row.findall(html)])
        link = _link(html, rel)
        if link is None:
            return pages
        url = f"{url.split('?')[0]}?{link}"
    raise AssertionError("the pages did not end")


def _flat(pages) -> list[int]:
    return [pk for page in pages for pk in page]


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("kontaktpflege.web.views.people.PAGE_SIZE", 2)


def test_people_with_the_same_name_are_all_shown_once_across_pages(
    alice_client, workspace, small_pages
):
    same = [
        person_create(workspace=workspace, first_name="Anna", last_name="Gleich") for _ in "12345"
    ]
    person_create(workspace=workspace, first_name="Berta", last_name="Gleich")
    pages = _walk(alice_client, "/people/?sort=name")
    assert [len(p) for p in pages] == [2, 2, 2]
    assert _flat(pages)[:5] == [p.pk for p in same]
    back = _walk(alice_client, "/people/?" + _last_link(alice_client, "/people/?sort=name"), "prev")
    assert _flat(reversed(back)) == _flat(pages)


def _last_link(client, url: str) -> str:
    link = ""
    while True:
        html = client.get(url if not link else f"/people/?{link}").content.decode()
        following = _link(html, "next")
        if following is None:
            return link
        link = following


@pytest.mark.parametrize("sort", ["last_touched", "-last_touched", "-name", "-created", "name"])
def test_every_sort_order_pages_through_everyone_exactly_once(
    alice_client, workspace, small_pages, sort
):
    people = [
        person_create(workspace=workspace, first_name=f"P{i}", last_name="X") for i in range(7)
    ]
    for i, person in enumerate(people[:4]):  # two share a time, three were never touched
        when = timezone.now() - dt.timedelta(days=[3, 3, 1, 9][i])
        Person.objects.filter(pk=person.pk).update(last_touched_at=when)
    expected = [
        p.pk for p in person_list_rows(workspace=workspace, filters=PersonFilters(sort=sort))
    ]
    pages = _walk(alice_client, f"/people/?sort={sort}")
    assert _flat(pages) == expected
    assert all(len(p) == 2 for p in pages[:-1])


def test_a_row_deleted_between_pages_skips_nobody(alice_client, workspace, small_pages):
    people = [
        person_create(workspace=workspace, first_name="P", last_name=f"N{i}") for i in range(6)
    ]
    html = alice_client.get("/people/").content.decode()
    assert [int(i) for i in ROW.findall(html)] == [people[0].pk, people[1].pk]
    people[1].delete()  # the row the next page starts after
    html = alice_client.get("/people/?" + _link(html, "next")).content.decode()
    assert [int(i) for i in ROW.findall(html)] == [people[2].pk, people[3].pk]


HOSTILE = [
    "x",
    "!!!",
    "%00",
    "a" * 5000,
    base64.urlsafe_b64encode(b"not json").decode(),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
    encode_cursor("n", 2, []),
    encode_cursor("n", 2, ["Müller", "Thomas"]),
    encode_cursor("z", 2, ["Müller", "Thomas", 1]),
    encode_cursor("n", -5, ["Müller", "Thomas", 1]),
    encode_cursor("n", 10**12, ["Müller", "Thomas", 1]),
    encode_cursor("n", 2, ["Müller", "Thomas", "abc"]),
    encode_cursor("n", 2, ["Müller", "Thomas", 10**30]),
    encode_cursor("n", 2, ["Müller", None, 1]),
    encode_cursor("n", 2, [["list"], {"a": 1}, True]),
    base64.urlsafe_b64encode(json.dumps({"n": 1}).encode()).decode(),
]


@pytest.mark.parametrize("cursor", HOSTILE)
def test_a_cursor_that_is_not_ours_shows_the_first_page(alice_client, make_person, cursor):
    make_person()
    response = alice_client.get("/people/", {"cursor": cursor})
    assert response.status_code == 200
    assert "Thomas Müller" in response.content.decode()


@pytest.mark.parametrize(
    "url", ["/people/?sort=last_touched", "/organisations/", "/organisations/?target=1", "/log/"]
)
@pytest.mark.parametrize(
    "cursor",
    [
        "x",
        encode_cursor("n", 2, ["2024-13-45", 1]),
        encode_cursor("n", 2, ["2024-01-01T10:00:00", 1]),  # no time zone
        encode_cursor("p", 2, ["", "", 1]),
        encode_cursor("n", 2, ["a", "b", "c"]),
    ],
)
def test_the_other_lists_shrug_off_bad_cursors(alice_client, url, cursor):
    sep = "&" if "?" in url else "?"
    assert alice_client.get(f"{url}{sep}cursor={cursor}").status_code == 200


def test_a_cursor_from_another_workspace_shows_only_this_workspaces_people(
    alice_client, charlie, workspace, small_pages
):
    theirs = person_create(
        workspace=charlie.active_workspace, first_name="Geheim", last_name="Aaron"
    )
    ours = [person_create(workspace=workspace, first_name="P", last_name=f"Z{i}") for i in range(3)]
    cursor = encode_cursor("n", 2, [theirs.last_name, theirs.first_name, theirs.pk])
    html = alice_client.get("/people/", {"cursor": cursor}).content.decode()
    assert [int(i) for i in ROW.findall(html)] == [ours[0].pk, ours[1].pk]
    assert "Geheim" not in html
    back = encode_cursor("p", 2, ["Zzz", "", theirs.pk + 1000])
    html = alice_client.get("/people/", {"cursor": back}).content.decode()
    assert "Geheim" not in html


def test_ranked_search_pages_by_number_up_to_a_bound(alice_client, workspace, small_pages):
    for i in range(5):
        person_create(workspace=workspace, first_name=f"Suche{i}", last_name="Treffer")
    html = alice_client.get("/people/", {"q": "Treffer"}).content.decode()
    assert _link(html, "next") == "q=Treffer&page=2"
    for bad in ["abc", "-3", "0", "9" * 5000, "99999"]:
        response = alice_client.get("/people/", {"q": "Treffer", "page": bad})
        assert response.status_code == 200
        assert len(ROW.findall(response.content.decode())) in (1, 2)


ORG_ROW = re.compile(r'href="/organisations/(\d+)/">[^<]*</a>.*?data-label="People">(\d+)<', re.S)


def test_organisations_count_the_people_of_the_shown_page_only(alice_client, workspace):
    orgs = [organisation_create(workspace=workspace, name=f"Firma {i:02d}") for i in range(53)]
    for i, org in enumerate(orgs[:3]):
        for _ in range(i + 1):
            person_create(workspace=workspace, first_name="P", last_name="Q", organisation=org)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            html = alice_client.get(url).content.decode()
        return html, len(ctx.captured_queries)

    html, queries = count("/organisations/")
    rows = [(int(pk), int(n)) for pk, n in ORG_ROW.findall(html)]
    assert rows[:4] == [(orgs[0].pk, 1), (orgs[1].pk, 2), (orgs[2].pk, 3), (orgs[3].pk, 0)]
    assert len(rows) == 50 and "Page 1 of 2" in html
    second, queries_later = count("/organisations/?" + _link(html, "next"))
    assert [int(pk) for pk, _ in ORG_ROW.findall(second)] == [o.pk for o in orgs[50:]]
    assert queries_later == queries


def test_no_list_page_skips_rows_with_offset(alice_client, workspace, make_person):
    person = make_person()
    for i in range(55):
        org = organisation_create(workspace=workspace, name=f"Firma {i:02d}")
        person_create(workspace=workspace, first_name="P", last_name=f"N{i:02d}", organisation=org)
        touchpoint_log(workspace=workspace, participants=[person], summary=f"T{i}")
    for url in ["/people/", "/organisations/", "/log/"]:
        html = alice_client.get(url).content.decode()
        link = _link(html, "next")
        assert link, url
        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(f"{url}?{link}").status_code == 200
        assert not [q for q in ctx.captured_queries if "OFFSET" in q["sql"].upper()], url


TP_ROW = re.compile(r'href="/log/(\d+)/edit/')


def test_the_log_pages_through_every_touchpoint_once(alice_client, workspace, make_person):
    person = make_person()
    when = timezone.now() - dt.timedelta(days=2)
    made = [
        touchpoint_log(
            workspace=workspace, participants=[person], summary=f"T{i}", occurred_at=when
        ).pk
        for i in range(120)
    ]
    pages = _walk(alice_client, "/log/", row=TP_ROW)
    assert [len(p) for p in pages] == [50, 50, 20]
    assert _flat(pages) == sorted(made, reverse=True)


@pytest.mark.parametrize("sort", ["-last_touched", "last_touched"])
def test_never_touched_people_come_last_by_latest_touch_and_first_by_oldest(
    alice_client, workspace, small_pages, sort
):
    """The same order on SQLite and PostgreSQL: never touched is older than any touch."""
    people = [
        person_create(workspace=workspace, first_name=f"P{i}", last_name="X") for i in range(9)
    ]
    now = timezone.now()
    touched = people[:5]  # days ago 1…5, newest first; the last four were never touched
    for i, person in enumerate(touched):
        Person.objects.filter(pk=person.pk).update(last_touched_at=now - dt.timedelta(days=i + 1))
    never = sorted(p.pk for p in people[5:])
    newest_first = [p.pk for p in touched] + never[::-1]
    expected = newest_first if sort == "-last_touched" else newest_first[::-1]
    pages = _walk(alice_client, f"/people/?sort={sort}")
    assert [len(p) for p in pages] == [2, 2, 2, 2, 1]
    assert _flat(pages) == expected
    back = _walk(
        alice_client, "/people/?" + _last_link(alice_client, f"/people/?sort={sort}"), "prev"
    )
    assert _flat(reversed(back)) == expected
