"""Pages of API lists: keyset cursors, so that page 10,000 costs what page 1 costs.

A list answer carries `next_cursor` / `previous_cursor`; a client passes one back as
`cursor`. `offset` still works for old clients (without a cursor), at the cost of the rows
it skips. The count stops at COUNT_CAP (`count_capped` then says there are more).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet

from kontaktpflege.core.keyset import Key, capped_count, keyset_page


def api_page(
    qs: QuerySet, order: Sequence[Key], *, limit: int, offset: int, cursor: str
) -> dict[str, Any]:
    """The answer of a paged list endpoint: items, cursors and the (capped) count."""
    if offset and not cursor:
        rows = list(qs.order_by(*(k.order for k in order))[offset : offset + limit + 1])
        count, capped = capped_count(qs)
        return {
            "count": count,
            "count_capped": capped,
            "limit": limit,
            "offset": offset,
            "next_cursor": None,
            "previous_cursor": None,
            "items": rows[:limit],
        }
    page = keyset_page(qs, order, cursor=cursor or None, size=limit)
    return {
        "count": page.count,
        "count_capped": page.count_capped,
        "limit": limit,
        "offset": 0,
        "next_cursor": page.next_cursor,
        "previous_cursor": page.previous_cursor,
        "items": page.object_list,
    }
