"""Writes about users, workspaces, memberships and tokens."""

from __future__ import annotations

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


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Accept an invitation: the user joins the workspace once."""
    if invitation.accepted_at is not None:
        raise ValidationError(_("This invitation has already been used."))
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
