"""Writes about follow-ups. The follow-up engine issue fills this module in."""

from __future__ import annotations


def followups_refresh_people(*, person_ids: list[int], touchpoint_id: int | None = None) -> None:
    """Recompute the follow-ups of these people after their facts changed."""
