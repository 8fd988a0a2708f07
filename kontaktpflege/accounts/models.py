"""Users, workspaces, memberships, invitations and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kontaktpflege.core.mail import validate_mail_address


class User(AbstractUser):
    """A person who logs in; language and time zone drive the UI and day boundaries.

    `email_verified_at` is set when the user opens the confirmation link mailed to `email`
    and cleared whenever the email changes; only a verified address may be a From address
    and accept an invitation.
    """

    email = models.EmailField(_("email address"), unique=True, validators=[validate_mail_address])
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    email_verification_sent_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=[("de", "Deutsch"), ("en", "English")], default="de"
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Berlin")
    active_workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class Workspace(models.Model):
    """A tenant: a personal user has one, a recruiting team shares one."""

    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    settings = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MEMBER = "member", _("Member")
    VIEWER = "viewer", _("Viewer")


def is_recruiting_team(workspace: Workspace) -> bool:
    """Whether the workspace switched recruiting on (the flag its settings carry)."""
    return bool((workspace.settings or {}).get("recruiting"))


def role_label(role: str, workspace: Workspace) -> str:
    """A role's name: in a recruiting team the member role is the recruiter (issue 14),
    so the roles read owner, recruiter, viewer; elsewhere owner, member, viewer."""
    if role == Role.MEMBER and is_recruiting_team(workspace):
        return pgettext("workspace role", "Recruiter")
    return str(Role(role).label) if role in Role.values else role


def role_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """The roles to choose from, named as in this workspace."""
    return [(value, role_label(value, workspace)) for value in Role.values]


class Membership(models.Model):
    """A user's role in a workspace."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "workspace"], name="uniq_membership"),
        ]

    @property
    def can_write(self) -> bool:
        return self.role in (Role.OWNER, Role.MEMBER)

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.workspace)


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Invitation(models.Model):
    """An owner's invitation of someone, by email, into a workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Withdrawn invitations stay (without a usable link) so that they still count against
    # the invitation rate limits.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["invited_by", "created_at"], name="invitation_by_sender"),
            models.Index(fields=["workspace", "created_at"], name="invitation_by_workspace"),
        ]

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.workspace)


class ApprovedSender(models.Model):
    """An address at the site's mail domain that an owner allows the workspace to send as."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="approved_senders"
    )
    email = models.EmailField(_("address"))
    approved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="uniq_approved_sender"),
        ]

    def __str__(self) -> str:
        return self.email


class ApiToken(models.Model):
    """A personal API token; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    @staticmethod
    def hash(raw: str) -> str:
        return _hash_token(raw)
