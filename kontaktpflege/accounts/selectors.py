"""Reads about users and workspaces that check access."""

from __future__ import annotations

from django.http import Http404

from kontaktpflege.accounts.models import ApiToken, Membership, User, Workspace


def membership_for(user: User, workspace_id: int | None) -> Membership | None:
    """The user's membership in a workspace, or None."""
    if workspace_id is None:
        return None
    return (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace_id=workspace_id)
        .first()
    )


def default_membership(user: User) -> Membership | None:
    """The membership of the user's active workspace, else their oldest."""
    membership = membership_for(user, user.active_workspace_id)
    if membership is None:
        membership = (
            Membership.objects.select_related("workspace").filter(user=user).order_by("id").first()
        )
    return membership


def workspace_members(workspace: Workspace) -> list[Membership]:
    """Memberships of a workspace with their users."""
    return list(
        Membership.objects.select_related("user").filter(workspace=workspace).order_by("id")
    )


def api_tokens_for_user(user: User) -> list[ApiToken]:
    """The user's API tokens, newest first."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))


def api_token_get_for_user(user: User, pk: int) -> ApiToken:
    """One of the user's API tokens, or 404."""
    token = ApiToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404
    return token
