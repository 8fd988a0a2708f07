"""Keyset pagination: page 10,000 costs what page 1 costs.

A page link carries a cursor: the sort key of the row the page starts after (or ends
before), never a row count to skip. The database walks its index from that key, so a deep
page reads 51 rows where OFFSET read every row before it. Ties in the sort key are broken
by the id, which every key ends with.

A cursor is only a position, not a permission: it filters a queryset the caller has already
scoped to its workspace, so a cursor made from another workspace's row shows this
workspace's rows from that position on and nothing else. A cursor that does not decode
(edited by hand, truncated) is ignored: the first page is shown.

NULLs sort as the smallest value on every database: first ascending, last descending
("-last_touched" ends with the people never touched). That is SQLite's own order; on
PostgreSQL (which sorts them as the largest) a nullable key orders with an explicit NULLS
FIRST / NULLS LAST, and its indexes are built in that order (core.indexes.NullsFirstIndex).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, OrderBy, Q, QuerySet

COUNT_CAP = 10_000  # counting costs what it counts: beyond this the page says "10,000+"
MAX_CURSOR = 2_000  # characters; longer cursors are not ours


@dataclass(frozen=True)
class Key:
    """One column of a sort key: a field of the model, ascending or descending."""

    field: str
    descending: bool = False
    nullable: bool = False

    @property
    def order(self) -> str | OrderBy:
        """The order_by term; NULLs as the smallest value (see the module docstring)."""
        if self.nullable:
            if self.descending:
                return F(self.field).desc(nulls_last=True)
            return F(self.field).asc(nulls_first=True)
        return f"-{self.field}" if self.descending else self.field

    def reversed(self) -> Key:
        return Key(self.field, not self.descending, self.nullable)


def keys(*names: str, nullable: Sequence[str] = ()) -> tuple[Key, ...]:
    """Keys from order_by-style names ("-last_touched_at", "id")."""
    return tuple(Key(n.lstrip("-"), n.startswith("-"), n.lstrip("-") in nullable) for n in names)


@dataclass
class KeysetPage:
    """One page of rows with the cursors of its neighbours (None at either end)."""

    object_list: list[Any]
    number: int
    size: int
    next_cursor: str | None
    previous_cursor: str | None
    count: int | None = None  # None: not counted; capped at COUNT_CAP (see count_capped)
    count_capped: bool = False
    param: str = "cursor"  # the query parameter the neighbours' links set

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def num_pages(self) -> int | None:
        """The number of pages when the count is exact."""
        if self.count is None or self.count_capped:
            return None
        return max(1, math.ceil(self.count / self.size))

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def _nulls_last_in_order(key: Key) -> bool:
    """Whether NULLs come after every value when walking this key (see module docstring)."""
    return key.descending


def _beyond(key: Key, value: Any) -> Q | None:
    """Rows strictly beyond `value` on this key, walking in its order; None: no row is."""
    if value is None:
        return None if _nulls_last_in_order(key) else Q(**{f"{key.field}__isnull": False})
    q = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": value})
    if key.nullable and _nulls_last_in_order(key):
        q |= Q(**{f"{key.field}__isnull": True})
    return q


def _same(key: Key, value: Any) -> Q:
    if value is None:
        return Q(**{f"{key.field}__isnull": True})
    return Q(**{key.field: value})


def after(order: Sequence[Key], values: Sequence[Any]) -> Q:
    """Rows after the position `values` in the order: (a > x) or (a = x and b > y) or …"""
    result: Q | None = None
    for i, key in enumerate(order):
        beyond = _beyond(key, values[i])
        if beyond is None:
            continue
        term = beyond
        for prior, prior_value in zip(order[:i], values[:i], strict=True):
            term = _same(prior, prior_value) & term
        result = term if result is None else result | term
    if result is None:
        return Q(pk__in=[])
    first, value = order[0], values[0]
    if value is not None and not (first.nullable and _nulls_last_in_order(first)):
        # the same condition again as one range on the leading column: where the index starts
        result &= Q(**{f"{first.field}__{'lte' if first.descending else 'gte'}": value})
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def encode_cursor(direction: str, number: int, values: Sequence[Any]) -> str:
    """A URL-safe cursor: the direction ("n" after, "p" before), the page number, the key."""
    raw = json.dumps([direction, number, *(_plain(v) for v in values)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(qs: QuerySet, order: Sequence[Key], cursor: str) -> tuple[str, int, list] | None:
    """(direction, number, values) from a cursor, or None when it is not one of ours."""
    if not cursor or len(cursor) > MAX_CURSOR:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw.decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if not isinstance(data, list) or len(data) != 2 + len(order):
        return None
    direction, number, *values = data
    if direction not in ("n", "p") or type(number) is not int or not 1 <= number < 10**9:
        return None
    try:
        typed = [_typed(qs, key, value) for key, value in zip(order, values, strict=True)]
    except (ValidationError, ValueError, TypeError, OverflowError, FieldDoesNotExist):
        return None
    return direction, number, typed


def _typed(qs: QuerySet, key: Key, value: Any) -> Any:
    """The cursor's value as the field's Python type; ValueError for anything else."""
    if value is None:
        if not key.nullable:
            raise ValueError("null in a column that has none")
        return None
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise ValueError("not a key value")
    field = qs.model._meta.get_field(key.field)
    typed = field.to_python(value)
    if isinstance(typed, dt.datetime) and typed.tzinfo is None:
        raise ValueError("a time without its zone")
    if isinstance(typed, int) and not -(2**63) < typed < 2**63:
        raise ValueError("beyond any column")
    return typed


def _key_values(row: Any, order: Sequence[Key]) -> list[Any]:
    return [getattr(row, key.field) for key in order]


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """The number of rows up to cap, and whether there are more."""
    n = qs.order_by().values("pk")[: cap + 1].count()
    return min(n, cap), n > cap


def keyset_page(
    qs: QuerySet, order: Sequence[Key], *, cursor: str | None, size: int, count: bool = True
) -> KeysetPage:
    """The page the cursor points at (the first page without one); the order ends with id."""
    decoded = decode_cursor(qs, order, cursor) if cursor else None
    page = _first_page(qs, order, size) if decoded is None else _page(qs, order, size, *decoded)
    if count:
        page.count, page.count_capped = capped_count(qs)
    return page


def _ranges(order: Sequence[Key], values: list) -> list[Q]:
    """after() as the index's ranges in walking order: one, or two where the walk crosses
    between the values of a nullable leading key and its NULLs.

    One condition "(a < x) OR a IS NULL OR …" is no range of any index: the database would
    read every row before the cursor to find the page. Two ranges are each one walk.
    """
    first, value = order[0], values[0]
    if not first.nullable:
        return [after(order, values)]
    null = Q(**{f"{first.field}__isnull": True})
    if value is not None and _nulls_last_in_order(first):
        plain = (Key(first.field, first.descending), *order[1:])
        return [after(plain, values), null]
    if value is None and not _nulls_last_in_order(first):
        return [null & after(order[1:], values[1:]), Q(**{f"{first.field}__isnull": False})]
    return [after(order, values)]


def _fetch(qs: QuerySet, order: Sequence[Key], size: int, values: list | None) -> list[Any]:
    ranges = [Q()] if values is None else _ranges(order, values)
    rows: list[Any] = []
    for condition in ranges:
        rows += qs.filter(condition).order_by(*(k.order for k in order))[: size + 1 - len(rows)]
        if len(rows) > size:
            break
    return rows


def _first_page(qs: QuerySet, order: Sequence[Key], size: int) -> KeysetPage:
    rows = _fetch(qs, order, size, None)
    return _forward(rows, order, size, number=1)


def _forward(rows: list[Any], order: Sequence[Key], size: int, *, number: int) -> KeysetPage:
    shown = rows[:size]
    more = len(rows) > size
    return KeysetPage(
        object_list=shown,
        number=number,
        size=size,
        next_cursor=encode_cursor("n", number + 1, _key_values(shown[-1], order)) if more else None,
        previous_cursor=(
            encode_cursor("p", number - 1, _key_values(shown[0], order))
            if number > 1 and shown
            else None
        ),
    )


def _page(
    qs: QuerySet, order: Sequence[Key], size: int, direction: str, number: int, values: list
) -> KeysetPage:
    if direction == "n":
        rows = _fetch(qs, order, size, values)
        if not rows:  # everything after the cursor is gone: start again
            return _first_page(qs, order, size)
        return _forward(rows, order, max(size, 1), number=max(number, 2))
    backwards = [k.reversed() for k in order]
    rows = _fetch(qs, backwards, size, values)
    if len(rows) <= size:  # nothing before these: it is the first page, shown full
        return _first_page(qs, order, size)
    shown = rows[:size][::-1]
    return KeysetPage(
        object_list=shown,
        number=max(number, 2),
        size=size,
        next_cursor=encode_cursor("n", max(number, 2) + 1, _key_values(shown[-1], order)),
        previous_cursor=encode_cursor("p", max(number, 2) - 1, _key_values(shown[0], order)),
    )


def numbered_page(
    qs: QuerySet,
    *,
    number: str | None,
    size: int,
    max_pages: int,
    counted: tuple[int, bool] | None = None,
) -> KeysetPage:
    """Page `number` of an order no index follows (search by relevance), up to max_pages.

    Such a query ranks every match whatever the page, so skipping up to max_pages × size of
    them adds little; beyond that the search is worth narrowing, and the last link says so
    by its absence. `counted`: the (count, capped) pair when the caller counted already.
    """
    try:
        n = min(max(int(number or 1), 1), max_pages)
    except ValueError:
        n = 1
    rows = list(qs[(n - 1) * size : n * size + 1])
    if not rows and n > 1:
        n, rows = 1, list(qs[: size + 1])
    page = KeysetPage(
        object_list=rows[:size],
        number=n,
        size=size,
        next_cursor=str(n + 1) if len(rows) > size and n < max_pages else None,
        previous_cursor=str(n - 1) if n > 1 else None,
        param="page",
    )
    page.count, page.count_capped = counted or capped_count(qs)
    return page
