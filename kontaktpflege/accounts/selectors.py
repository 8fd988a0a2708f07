"""Reads about users and workspaces that check access."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.http import Http404

from kontaktpflege.accounts.models import (
    ApiToken,
    ApprovedSender,
    Invitation,
    Membership,
    User,
    Workspace,
)


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
    """The membership of the user's active workspace, else their oldest.

    A user that `MemberBackend` loaded for this request brings it along (one read for both).
    """
    if hasattr(user, "default_membership_loaded"):
        loaded: Membership | None = user.default_membership_loaded
        return loaded
    membership = membership_for(user, user.active_workspace_id)
    if membership is None:
        membership = (
            Membership.objects.select_related("workspace").filter(user=user).order_by("id").first()
        )
    return membership


def workspace_members(workspace: Workspace) -> list[Membership]:
    """Memberships of a workspace with their users."""
    return list(
        Membership.objects.select_related("user", "workspace")
        .filter(workspace=workspace)
        .order_by("id")
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
        Invitation.objects.select_related("workspace")
        .filter(workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True)
        .order_by("-created_at")
    )


def invitation_get(*, workspace: Workspace, pk: int) -> Invitation:
    """An invitation of the workspace, or 404."""
    invitation = Invitation.objects.filter(workspace=workspace, pk=pk).first()
    if invitation is None:
        raise Http404
    return invitation


def site_mail_domain() -> str:
    """The domain of the site's own sender address (DEFAULT_FROM_EMAIL), lower case."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2].lower()


def sender_address_allowed(*, user: User, workspace_id: int, address: str) -> bool:
    """Whether the user may send as `address` in the workspace.

    Their own account email once verified, or an address at the site's mail domain that
    an owner of the workspace approved. Anything else goes out from the site address.
    """
    address = (address or "").strip().lower()
    if not address:
        return False
    if user.email_verified and address == (user.email or "").lower():
        return True
    domain = site_mail_domain()
    return (
        bool(domain)
        and address.rpartition("@")[2] == domain
        and (ApprovedSender.objects.filter(workspace_id=workspace_id, email=address).exists())
    )


def approved_senders(workspace: Workspace) -> list[ApprovedSender]:
    """The workspace's approved sender addresses."""
    return list(ApprovedSender.objects.filter(workspace=workspace).order_by("email"))


def approved_sender_get(*, workspace: Workspace, pk: int) -> ApprovedSender:
    """An approved sender address of the workspace, or 404."""
    approved = ApprovedSender.objects.filter(workspace=workspace, pk=pk).first()
    if approved is None:
        raise Http404
    return approved
