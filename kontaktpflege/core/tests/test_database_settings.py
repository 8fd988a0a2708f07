"""The planner settings the app's PostgreSQL connections start with."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL planner settings"
)


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_connections_plan_for_ssd_and_without_parallel_index_scans():
    assert float(_show("random_page_cost")) == 1.1
    assert _show("min_parallel_index_scan_size") == "64GB"
