"""An opening's board shows at most a page of cards per stage, with the true count in the
column's badge and a note how many more there are (search narrows them)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kontaktpflege.recruiting import selectors
from kontaktpflege.recruiting.services import candidacy_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(opening, make_person):
    for name in ("Ahrens", "Berg", "Cordes", "Dietz", "Ebert"):
        candidacy_create(opening=opening, person=make_person(first_name="A", last_name=name))
    return opening


def test_each_column_holds_at_most_the_limit_and_knows_its_total(crowded):
    columns = {c.stage.key: c for c in selectors.opening_board(opening=crowded, per_column=2)}
    applied = columns["applied"]
    assert [c.person.last_name for c in applied.cards] == ["Ahrens", "Berg"]
    assert applied.total == 5 and applied.more == 3
    assert columns["screening"].total == 0 and columns["screening"].more == 0
    found = selectors.opening_board(opening=crowded, q="Ebert", per_column=2)
    assert [c.person.last_name for col in found for c in col.cards] == ["Ebert"]


def test_the_board_page_says_how_many_more_there_are(alice_client, crowded, monkeypatch):
    monkeypatch.setattr(selectors, "BOARD_COLUMN_LIMIT", 2)
    page = alice_client.get(reverse("opening", args=[crowded.pk])).content.decode()
    assert page.count('class="card mb-2 candidacy-card"') == 2
    assert '<span class="badge text-bg-secondary">5</span>' in page
    assert "3 more" in page
