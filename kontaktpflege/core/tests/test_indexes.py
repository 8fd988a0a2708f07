"""Every index of the most written tables earns its writes: none is a leading part of
another that covers every row (a partial index does not: it leaves rows out)."""

from __future__ import annotations

import pytest
from django.db import connection, models

from kontaktpflege.contacts.models import Person
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.touchpoints.models import Participation

pytestmark = pytest.mark.django_db


def _partial(model: type[models.Model]) -> set[str]:
    meta = model._meta
    return {i.name for i in [*meta.indexes, *meta.constraints] if getattr(i, "condition", None)}


@pytest.mark.parametrize("model", [Participation, Person, FollowUp])
def test_no_index_is_a_prefix_of_another(model):
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    indexes = {  # a unique constraint is an index too (SQLite lists it as a constraint only)
        name: tuple(c["columns"])
        for name, c in found.items()
        if (c["index"] or c["unique"])
        and not c["primary_key"]
        and c.get("type") in (None, "btree", "idx")  # a GIN (trigram) index serves no prefix
        and all(c["columns"])  # nor does an index on an expression
    }
    partial = _partial(model)
    redundant = [
        (name, other)
        for name, columns in indexes.items()
        for other, longer in indexes.items()
        if name != other
        and other not in partial
        and len(columns) < len(longer)
        and longer[: len(columns)] == columns
    ]
    assert redundant == []
