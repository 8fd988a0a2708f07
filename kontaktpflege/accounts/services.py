"""Writes about users, workspaces, memberships and tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import ApiToken, Invitation, Membership, Role, User, Workspace
from kontaktpflege.core.timeutils import is_valid_zone


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str,
    password: str,
    language: str = "de",
    time_zone: str = "Europe/Berlin",
    workspace_name: str | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a user with a personal workspace and their own node in the network."""
    from kontaktpflege.contacts.services import person_create_self

    user = User.objects.create_user(
        username=username,
        email=email,
        password=password,
        language=language,
        time_zone=time_zone,
        first_name=first_name,
        last_name=last_name,
    )
    workspace = Workspace.objects.create(
        name=workspace_name or _("%(name)s's network") % {"name": first_name or username}
    )
    Membership.objects.create(user=user, workspace=workspace, role=Role.OWNER)
    user.active_workspace = workspace
    user.save(update_fields=["active_workspace"])
    person_create_self(workspace=workspace, user=user)
    return user


def user_update_preferences(*, user: User, language: str, time_zone: str) -> User:
    """Change a user's language and time zone."""
    if language not in ("de", "en"):
        raise ValidationError({"language": _("Choose German or English.")})
    if not is_valid_zone(time_zone):
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=["language", "time_zone"])
    return user


@transaction.atomic
def membership_add(*, workspace: Workspace, user: User, role: str = Role.MEMBER) -> Membership:
    """Add a user to a workspace (idempotent)."""
    membership, _created = Membership.objects.get_or_create(
        user=user, workspace=workspace, defaults={"role": role}
    )
    if user.active_workspace_id is None:
        user.active_workspace = workspace
        user.save(update_fields=["active_workspace"])
    return membership


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, invited_by: User, email: str, role: str
) -> Invitation:
    """Invite someone by email; the mail is sent after commit."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.urls import reverse

    if role not in (Role.MEMBER, Role.VIEWER, Role.OWNER):
        raise ValidationError({"role": _("Unknown role.")})
    invitation = Invitation.objects.create(
        workspace=workspace, invited_by=invited_by, email=email.strip().lower(), role=role
    )
    link = settings.SITE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation.token])

    def _send() -> None:
        send_mail(
            _("Invitation to %(workspace)s") % {"workspace": workspace.name},
            _("%(who)s invites you to the workspace %(workspace)s in Kontaktpflege:\n\n%(link)s\n")
            % {
                "who": invited_by.get_full_name() or invited_by.username,
                "workspace": workspace.name,
                "link": link,
            },
            None,
            [invitation.email],
            fail_silently=True,
        )

    transaction.on_commit(_send)
    return invitation


INVITATION_DAYS = 14


def invitation_is_open(invitation: Invitation) -> bool:
    """Not used yet and not older than INVITATION_DAYS."""
    age = timezone.now() - invitation.created_at
    return invitation.accepted_at is None and age <= dt.timedelta(days=INVITATION_DAYS)


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Accept an invitation: the user joins the workspace once."""
    if not invitation_is_open(invitation):
        raise ValidationError(_("This invitation is invalid or has been used already."))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    membership = membership_add(workspace=invitation.workspace, user=user, role=invitation.role)
    user.active_workspace = invitation.workspace
    user.save(update_fields=["active_workspace"])
    return membership


def api_token_create(*, user: User, workspace: Workspace, name: str) -> tuple[ApiToken, str]:
    """Create an API token; the raw key is returned once and never stored."""
    raw = "kp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        workspace=workspace,
        name=name[:100] or "API",
        prefix=raw[:10],
        key_hash=ApiToken.hash(raw),
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    """Delete an API token."""
    token.delete()


def invitation_revoke(*, invitation: Invitation) -> None:
    """Withdraw an invitation that has not been accepted."""
    if invitation.accepted_at is None:
        invitation.delete()


def _other_owners(membership: Membership) -> bool:
    return (
        Membership.objects.filter(workspace_id=membership.workspace_id, role=Role.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def membership_set_role(*, membership: Membership, role: str) -> Membership:
    """Change a member's role; a workspace always keeps an owner."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if membership.role == Role.OWNER and role != Role.OWNER and not _other_owners(membership):
        raise ValidationError(_("A workspace needs at least one owner."))
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove someone from a workspace; their other workspaces stay theirs."""
    if membership.role == Role.OWNER and not _other_owners(membership):
        raise ValidationError(_("A workspace needs at least one owner."))
    user = membership.user
    membership.delete()
    if user.active_workspace_id == membership.workspace_id:
        other = Membership.objects.filter(user=user).order_by("id").first()
        user.active_workspace_id = other.workspace_id if other else None
        user.save(update_fields=["active_workspace"])


def workspace_switch(*, user: User, workspace_id: int) -> Workspace:
    """Make another of the user's workspaces the active one (404 for others)."""
    from django.http import Http404

    membership = (
        Membership.objects.select_related("workspace")
        .filter(user=user, workspace_id=workspace_id)
        .first()
    )
    if membership is None:
        raise Http404
    user.active_workspace = membership.workspace
    user.save(update_fields=["active_workspace"])
    return membership.workspace
