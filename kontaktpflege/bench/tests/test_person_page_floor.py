"""The person page's floor is the SQL of the request the bench times: a repeated view."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontaktpflege.bench import scenarios
from kontaktpflege.bench.registry import BenchContext
from kontaktpflege.touchpoints.services import touchpoint_log

pytestmark = pytest.mark.django_db


def _statements(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return [q["sql"] for q in captured.captured_queries]


def test_the_person_page_floor_is_the_sql_of_a_cached_repeated_view(
    alice, alice_client, workspace, make_person
):
    person = make_person(first_name="Julia", last_name="Weber", emails=["julia@example.org"])
    touchpoint_log(workspace=workspace, participants=[person], summary="Kaffee", created_by=alice)
    path = f"/people/{person.pk}/"
    ctx = BenchContext(scale="XS", workspace=workspace, user=alice)
    cache.clear()  # as in the bench's own process: the pages were never viewed there
    floor = scenarios.person_page_sql(ctx, path)
    cache.clear()
    miss = _statements(alice_client, path)
    hit = _statements(alice_client, path)  # what each timed request runs
    assert len(hit) < len(miss)
    assert _shapes(floor) == _shapes(hit)  # the same statements, but for the session's key


def _shapes(statements: list[str]) -> list[str]:
    return [re.sub(r"'[^']*'", "?", sql) for sql in statements]
