"""Every index of the participations earns its writes: none is a leading part of another."""

from __future__ import annotations

import pytest
from django.db import connection

from kontaktpflege.touchpoints.models import Participation

pytestmark = pytest.mark.django_db


def test_no_participation_index_is_a_prefix_of_another():
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Participation._meta.db_table)
    indexes = {  # a unique constraint is an index too (SQLite lists it as a constraint only)
        name: tuple(c["columns"])
        for name, c in found.items()
        if (c["index"] or c["unique"]) and not c["primary_key"]
    }
    redundant = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if name != other and len(columns) < len(longer) and longer[: len(columns)] == columns
    ]
    assert redundant == []
