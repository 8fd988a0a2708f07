"""The login backend: the user and their workspace membership in one read per request."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.db.models import Case, F, IntegerField, Value, When

from kontaktpflege.accounts.models import Membership, User


class MemberBackend(ModelBackend):
    """Django's model backend; loading a logged-in user also loads their default membership.

    Every logged-in request reads the user (to check the session against the password) and
    then the membership of the active workspace (WorkspaceMiddleware). One query with a join
    returns both; the membership it found is kept on the user for `default_membership`, so
    the middleware needs no second read. The user row is still read on every request: a
    changed password, a deactivated account or a removed membership takes effect at once in
    every web process.
    """

    def get_user(self, user_id: Any) -> User | None:
        active_first = Case(
            When(workspace_id=F("user__active_workspace_id"), then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        )
        membership = (
            Membership.objects.select_related("user", "workspace")
            .filter(user_id=user_id)
            .order_by(active_first, "id")
            .first()
        )
        if membership is None:
            user = super().get_user(user_id)
            if user is not None:
                user.default_membership_loaded = None  # type: ignore[attr-defined]
            return user  # type: ignore[return-value]
        user = membership.user
        user.default_membership_loaded = membership  # type: ignore[attr-defined]
        return user if self.user_can_authenticate(user) else None
