"""Reads about users and workspaces that check access."""

from __future__ import annotations

from django.http import Http404

from kontaktpflege.accounts.models import ApiToken, Invitation, Membership, User, Workspace


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


def membership_get(*, workspace: Workspace, pk: int) -> Membership:
    """A membership of the workspace, or 404."""
    membership = (
        Membership.objects.select_related("user").filter(workspace=workspace, pk=pk).first()
    )
    if membership is None:
        raise Http404
    return membership


def user_memberships(user: User) -> list[Membership]:
    """All of the user's workspaces."""
    return list(Membership.objects.select_related("workspace").filter(user=user).order_by("id"))


def open_invitations(workspace: Workspace) -> list[Invitation]:
    """Invitations of the workspace that were not accepted yet."""
    return list(
        Invitation.objects.filter(workspace=workspace, accepted_at__isnull=True).order_by(
            "-created_at"
        )
    )


def invitation_get(*, workspace: Workspace, pk: int) -> Invitation:
    """An invitation of the workspace, or 404."""
    invitation = Invitation.objects.filter(workspace=workspace, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation
