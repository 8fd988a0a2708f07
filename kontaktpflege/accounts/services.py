"""Writes about users, workspaces, memberships and tokens."""

from __future__ import annotations

import datetime as dt
import secrets
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

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

    _validate_names(first_name=first_name, last_name=last_name)
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


# --- Sign-up that reveals nothing, user names, approval (issue #8) ---

USER_NAME_MAX_LENGTH = 100
# Controls (CR, LF, TAB, NUL …), lone surrogates and Unicode line/paragraph separators.
_NAME_FORBIDDEN = {"Cc", "Cs", "Zl", "Zp"}


def validate_user_name(value: str) -> None:
    """A user's first or last name: one line of text, at most USER_NAME_MAX_LENGTH characters.

    Names end up in mail headers and subjects; a line break there is header injection.
    """
    if len(value) > USER_NAME_MAX_LENGTH:
        raise ValidationError(
            _("A name has at most %(limit)d characters.") % {"limit": USER_NAME_MAX_LENGTH},
            code="max_length",
        )
    if any(unicodedata.category(char) in _NAME_FORBIDDEN for char in value):
        raise ValidationError(
            _("A name cannot contain line breaks or control characters."), code="control"
        )


def _validate_names(*, first_name: str, last_name: str) -> None:
    errors = {}
    for field, value in (("first_name", first_name), ("last_name", last_name)):
        try:
            validate_user_name(value)
        except ValidationError as exc:
            errors[field] = exc.messages
    if errors:
        raise ValidationError(errors)


def _mail_on_commit(*, to: str, language: str, subject: str, body: str, values: dict) -> None:
    """Send a short account mail in the reader's language once the transaction commits."""
    from django.core.mail import send_mail
    from django.utils import translation

    def _send() -> None:
        with translation.override(language):
            send_mail(_(subject), _(body) % values, None, [to], fail_silently=True)

    transaction.on_commit(_send)


def _site_link(name: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SITE_URL.rstrip("/") + reverse(name)


@transaction.atomic
def signup_request(
    *, username: str, email: str, password: str, first_name: str = "", language: str = "de"
) -> User | None:
    """Sign up without revealing which usernames and addresses exist.

    The caller answers every request the same way; the mail says what happened: the owner of
    an address in use gets a notice, a new address whose username is taken is told so, and
    otherwise the account is created (inactive until approved when KP_SIGNUP_APPROVAL is on).
    """
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None or User.objects.filter(username__iexact=username).exists():
        make_password(password)  # the same work as creating an account, so timing tells less
        if existing is not None:
            _mail_on_commit(
                to=existing.email,
                language=existing.language,
                subject=gettext_noop("Someone tried to sign up with your address"),
                body=SIGNUP_EXISTING_BODY,
                values={"login": _site_link("login"), "reset": _site_link("password_reset")},
            )
        else:
            _mail_on_commit(
                to=email,
                language=language,
                subject=gettext_noop("Your sign-up at Kontaktpflege"),
                body=SIGNUP_USERNAME_TAKEN_BODY,
                values={"username": username, "signup": _site_link("signup")},
            )
        return None
    user = user_create(
        username=username, email=email, password=password, first_name=first_name, language=language
    )
    approval = settings.SIGNUP_APPROVAL
    if approval:
        user.is_active = False
        user.save(update_fields=["is_active"])
    _mail_on_commit(
        to=email,
        language=language,
        subject=gettext_noop("Your sign-up at Kontaktpflege"),
        body=SIGNUP_PENDING_BODY if approval else SIGNUP_READY_BODY,
        values={"username": username, "login": _site_link("login")},
    )
    return user


@transaction.atomic
def user_approve(*, user: User) -> bool:
    """Approve a pending sign-up: the account may log in. False when it was active already."""
    if User.objects.filter(pk=user.pk, is_active=False).update(is_active=True) == 0:
        return False
    _mail_on_commit(
        to=user.email,
        language=user.language,
        subject=gettext_noop("Your Kontaktpflege account is approved"),
        body=SIGNUP_APPROVED_BODY,
        values={"username": user.username, "login": _site_link("login")},
    )
    return True


SIGNUP_EXISTING_BODY = gettext_noop(
    "Someone tried to create a Kontaktpflege account with this email address. An account "
    "with this address exists already, so nothing was created.\n\n"
    "If that was you, log in: %(login)s\n"
    "Forgot your password? %(reset)s\n\n"
    "If it was not you, you can ignore this message.\n"
)
SIGNUP_USERNAME_TAKEN_BODY = gettext_noop(
    "The username %(username)s is taken, so no account was created. "
    "Please sign up again with another username: %(signup)s\n"
)
SIGNUP_READY_BODY = gettext_noop(
    "Your Kontaktpflege account %(username)s is ready. Log in: %(login)s\n"
)
SIGNUP_PENDING_BODY = gettext_noop(
    "Your Kontaktpflege account %(username)s was created and waits for approval by an "
    "administrator. You will get an email when you can log in.\n"
)
SIGNUP_APPROVED_BODY = gettext_noop(
    "Your Kontaktpflege account %(username)s is approved. Log in: %(login)s\n"
)
