"""Providers of template variables for what a message is about (messaging.compose hook)."""

from __future__ import annotations

from typing import Any

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.connect import pair_context
from kontaktpflege.contacts.models import Person


def pair_about_provider(
    *, workspace: Workspace, person: Person, ref: int, variant: str, user: User
) -> dict[str, Any]:
    """ "pair:<id>": the other person of an introduction; {} for an id of another workspace."""
    return pair_context(workspace=workspace, person=person, other_id=ref)
