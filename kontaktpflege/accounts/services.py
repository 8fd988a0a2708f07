"""Writes about users, workspaces, memberships and tokens."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import unicodedata
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kontaktpflege.accounts.models import (
    ApiToken,
    ApprovedSender,
    Invitation,
    Membership,
    Role,
    User,
    Workspace,
)
from kontaktpflege.accounts.selectors import site_mail_domain
from kontaktpflege.core.facts import workspace_created
from kontaktpflege.core.mail import normalise_email, validate_mail_address
from kontaktpflege.core.timeutils import is_valid_zone

log = logging.getLogger(__name__)


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
    """Create a user with a personal workspace and their own node in the network.

    The own node comes from the contacts app, which subscribes to `workspace_created`.
    """
    _validate_names(first_name=first_name, last_name=last_name)
    user = User.objects.create_user(
        username=username,
        email=normalise_email(email, field="email"),
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
    workspace_created(workspace, user)
    return user


def user_update_preferences(
    *,
    user: User,
    language: str,
    time_zone: str,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Change a user's language and time zone, and their name when given."""
    if language not in ("de", "en"):
        raise ValidationError({"language": _("Choose German or English.")})
    if not is_valid_zone(time_zone):
        raise ValidationError({"time_zone": _("Unknown time zone.")})
    fields = ["language", "time_zone"]
    if first_name is not None or last_name is not None:
        first = user.first_name if first_name is None else first_name.strip()
        last = user.last_name if last_name is None else last_name.strip()
        _validate_names(first_name=first, last_name=last)
        user.first_name, user.last_name = first, last
        fields += ["first_name", "last_name"]
    user.language = language
    user.time_zone = time_zone
    user.save(update_fields=fields)
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


INVITATIONS_PER_USER_PER_HOUR = 10
INVITATIONS_PER_WORKSPACE_PER_DAY = 25


def _check_invitation_limits(*, workspace: Workspace, invited_by: User) -> None:
    """Refuse an invitation past the hourly (per inviter) or daily (per workspace) limit."""
    now = timezone.now()
    sent = Invitation.objects.filter(created_at__gt=now - dt.timedelta(hours=1))
    if sent.filter(invited_by=invited_by).count() >= INVITATIONS_PER_USER_PER_HOUR:
        raise ValidationError(
            _("You have sent %(n)d invitations in the last hour; please try again later.")
            % {"n": INVITATIONS_PER_USER_PER_HOUR},
            code="rate_limited",
        )
    today = Invitation.objects.filter(
        workspace=workspace, created_at__gt=now - dt.timedelta(days=1)
    ).count()
    if today >= INVITATIONS_PER_WORKSPACE_PER_DAY:
        raise ValidationError(
            _(
                "This workspace has sent %(n)d invitations in the last 24 hours; "
                "please try again tomorrow."
            )
            % {"n": INVITATIONS_PER_WORKSPACE_PER_DAY},
            code="rate_limited",
        )


@transaction.atomic
def invitation_create(
    *, workspace: Workspace, invited_by: User, email: str, role: str
) -> Invitation:
    """Invite someone by email, within the rate limits; the mail is sent after commit.

    The mail carries no text a user typed (no workspace or inviter name): an invitation
    must not be a way to deliver an attacker's words to any address.
    """
    if role not in (Role.MEMBER, Role.VIEWER, Role.OWNER):
        raise ValidationError({"role": _("Unknown role.")})
    email = normalise_email(email, field="email")
    # Lock the workspace row so that concurrent requests count one after another.
    Workspace.objects.select_for_update().filter(pk=workspace.pk).first()
    _check_invitation_limits(workspace=workspace, invited_by=invited_by)
    invitation = Invitation.objects.create(
        workspace=workspace, invited_by=invited_by, email=email, role=role
    )
    context = {"link": _absolute(reverse("invitation_accept", args=[invitation.token]))}
    language = invited_by.language
    transaction.on_commit(
        lambda: _send_mail("invitation", to=invitation.email, language=language, context=context)
    )
    return invitation


INVITATION_DAYS = 14


def invitation_is_open(invitation: Invitation) -> bool:
    """Not used, not withdrawn and not older than INVITATION_DAYS."""
    age = timezone.now() - invitation.created_at
    return (
        invitation.accepted_at is None
        and invitation.revoked_at is None
        and age <= dt.timedelta(days=INVITATION_DAYS)
    )


def invitation_is_for(invitation: Invitation, user: User) -> bool:
    """Whether the user's verified account email is the invited address."""
    return user.email_verified and (user.email or "").lower() == invitation.email.lower()


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Accept an invitation: the user with the invited, verified address joins once."""
    if not invitation_is_open(invitation):
        raise ValidationError(_("This invitation is invalid or has been used already."))
    if not invitation_is_for(invitation, user):
        raise ValidationError(
            _("This invitation was sent to another email address than your account's."),
            code="wrong_address",
        )
    # Conditional: of two concurrent accepts only one finds the row still open.
    if not Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(accepted_at=timezone.now()):
        raise ValidationError(_("This invitation is invalid or has been used already."))
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
    """Withdraw an invitation that has not been accepted; its link stops working."""
    Invitation.objects.filter(
        pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())


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


# ---------------------------------------------------------------- account mail


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send_mail(name: str, *, to: str, language: str, context: dict[str, Any]) -> None:
    """Render emails/accounts/<name> (subject, text, HTML) and send it from the site address.

    A mail server problem is logged, never raised: the row that asked for the mail stays.
    """
    try:
        validate_mail_address(to)  # the address was checked when stored; check it again here
        with translation.override(language):
            context = {"site": settings.SITE_URL.rstrip("/"), **context}
            subject = render_to_string(f"emails/accounts/{name}_subject.txt", context)
            text = render_to_string(f"emails/accounts/{name}.txt", context)
            html = render_to_string(f"emails/accounts/{name}.html", context)
        mail = EmailMultiAlternatives(" ".join(subject.split()), text, to=[to])
        mail.attach_alternative(html, "text/html")
        mail.send()
    except Exception as exc:
        log.warning("%s mail to %s failed: %s", name, to.rpartition("@")[2], exc)


EMAIL_CONFIRM_SALT = "kontaktpflege.accounts.email-confirm"
EMAIL_CONFIRM_MAX_AGE = dt.timedelta(days=3)
EMAIL_CONFIRM_RESEND_AFTER = dt.timedelta(minutes=2)


def email_confirmation_token(user: User) -> str:
    """A signed, expiring token naming the user and the address it confirms."""
    return signing.dumps({"u": user.pk, "e": user.email.lower()}, salt=EMAIL_CONFIRM_SALT)


def email_verification_send(*, user: User) -> bool:
    """Mail the user a link that confirms their address; False when one went out just now."""
    if user.email_verified:
        return False
    now = timezone.now()
    recent = now - EMAIL_CONFIRM_RESEND_AFTER
    sent = User.objects.filter(pk=user.pk, email=user.email, email_verified_at__isnull=True)
    sent = sent.exclude(email_verification_sent_at__gt=recent)
    if not sent.update(email_verification_sent_at=now):
        return False  # one conditional UPDATE: a double click sends one mail
    user.email_verification_sent_at = now
    context = {
        "link": _absolute(reverse("email_confirm", args=[email_confirmation_token(user)])),
        "days": EMAIL_CONFIRM_MAX_AGE.days,
    }
    to, language = user.email, user.language
    transaction.on_commit(
        lambda: _send_mail("verify_email", to=to, language=language, context=context)
    )
    return True


def email_confirmation_user(token: str) -> User:
    """The user whose current address a valid token confirms, else a clear error."""
    try:
        data = signing.loads(token, salt=EMAIL_CONFIRM_SALT, max_age=EMAIL_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            _("This confirmation link has expired; request a new one in your settings.")
        ) from None
    except signing.BadSignature:
        raise ValidationError(_("This confirmation link is invalid.")) from None
    user = User.objects.filter(pk=data.get("u"), email__iexact=data.get("e", "")).first()
    if user is None:  # the address changed after the link was sent
        raise ValidationError(_("This confirmation link is invalid."))
    return user


@transaction.atomic
def email_confirm(*, token: str) -> User:
    """Mark the address a confirmation link names as verified (idempotent)."""
    user = email_confirmation_user(token)
    User.objects.filter(pk=user.pk, email=user.email, email_verified_at__isnull=True).update(
        email_verified_at=timezone.now()
    )
    user.refresh_from_db(fields=["email_verified_at"])
    return user


@transaction.atomic
def user_change_email(*, user: User, email: str) -> User:
    """Change the account email: it is unverified until its own confirmation link is opened."""
    email = normalise_email(email, field="email")
    if email == (user.email or "").lower():
        return user
    if User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists():
        raise ValidationError({"email": _("This address cannot be used; choose another one.")})
    user.email = email
    user.email_verified_at = None
    user.email_verification_sent_at = None
    user.save(update_fields=["email", "email_verified_at", "email_verification_sent_at"])
    email_verification_send(user=user)
    return user


# ---------------------------------------------------------------- approved sender addresses


def approved_sender_add(*, workspace: Workspace, email: str, approved_by: User) -> ApprovedSender:
    """Let the workspace send as an address at the site's mail domain.

    Only the site's administrators (staff) approve: with open sign-up every new account owns
    a workspace, so "an owner approved it" would let anyone send as support@<site domain>.
    """
    if not approved_by.is_staff:
        raise PermissionDenied(_("Only the site's administrators approve sender addresses."))
    address = normalise_email(email, field="email")
    domain = site_mail_domain()
    if not domain or address.rpartition("@")[2] != domain:
        raise ValidationError(
            {"email": _("Only addresses at %(domain)s can be approved.") % {"domain": domain}}
        )
    approved, _created = ApprovedSender.objects.get_or_create(
        workspace=workspace, email=address, defaults={"approved_by": approved_by}
    )
    return approved


def approved_sender_remove(*, approved: ApprovedSender) -> None:
    """Withdraw an approval; messages not yet sent fall back to the site address."""
    approved.delete()


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
    if settings.SIGNUP_APPROVAL:
        user.is_active = False
        user.save(update_fields=["is_active"])
        _mail_on_commit(
            to=email,
            language=language,
            subject=gettext_noop("Your sign-up at Kontaktpflege"),
            body=SIGNUP_PENDING_BODY,
            values={"username": username, "login": _site_link("login")},
        )
    else:
        # One mail for a new account: the link that confirms its address.
        email_verification_send(user=user)
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
SIGNUP_PENDING_BODY = gettext_noop(
    "Your Kontaktpflege account %(username)s was created and waits for approval by an "
    "administrator. You will get an email when you can log in.\n"
)
SIGNUP_APPROVED_BODY = gettext_noop(
    "Your Kontaktpflege account %(username)s is approved. Log in: %(login)s\n"
)
