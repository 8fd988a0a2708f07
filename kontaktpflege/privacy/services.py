"""Writes of the privacy app: consent requests (double opt-in), confirmation, withdrawal,
consent recorded by a recruiter, the public talent-pool sign-up, and the daily upkeep
(reminders, lapse of unconfirmed requests, renewal, expiry).

Consent records are only ever inserted here (never updated; the one deletion is a lapsed,
unconfirmed request with its reminders). Every change is mirrored into recruiting's
CandidateProfile (consent_state, consent_expires_at) for fast pool filters, and appended to
the audit chain in the same transaction.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.contacts.models import Person
from kontaktpflege.contacts.services import person_create, person_update
from kontaktpflege.contacts.validation import clean_text, normalise_email
from kontaktpflege.core.facts import facts_changed
from kontaktpflege.messaging.services import message_queue_email, new_idempotency_key
from kontaktpflege.privacy import selectors, tokens
from kontaktpflege.privacy.audit import audit_record
from kontaktpflege.privacy.models import (
    ConsentRecord,
    PrivacyNotice,
    PrivacySettings,
    Purpose,
    RecordKind,
    Source,
    WithdrawalChannel,
)
from kontaktpflege.privacy.notices import consent_statement, current_notice
from kontaktpflege.recruiting.models import (
    CandidateProfile,
    CareerLevel,
    ConsentState,
    JobType,
    PoolMember,
)

REQUEST_LAPSE = dt.timedelta(days=30)
REMINDER_DAYS = (7, 2)  # before the request lapses
LANGUAGES = ("de", "en")


def withdraw_link_age() -> dt.timedelta:
    """How long a withdrawal link in a mail works (longer than any consent lasts)."""
    return dt.timedelta(days=int(getattr(settings, "PRIVACY_WITHDRAW_LINK_DAYS", 3 * 366)))


def add_months(when: dt.datetime, months: int) -> dt.datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _link(name: str, token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[token])


def _language(value: str) -> str:
    return value if value in LANGUAGES else "de"


# ---------------------------------------------------------------- settings and notices


@transaction.atomic
def privacy_settings_ensure(*, workspace: Workspace) -> PrivacySettings:
    """The workspace's privacy settings, created with a fresh public key the first time."""
    found, _created = PrivacySettings.objects.get_or_create(workspace=workspace)
    return found


@transaction.atomic
def privacy_notice_publish(
    *, workspace: Workspace, language: str, text: str, user: User | None = None
) -> PrivacyNotice:
    """Publish a new version of the workspace's privacy notice in one language."""
    if language not in LANGUAGES:
        raise ValidationError({"language": _("Choose German or English.")})
    text = clean_text(text, field="text", max_length=50000, multiline=True)
    if not text:
        raise ValidationError({"text": _("The privacy notice needs a text.")})
    PrivacySettings.objects.select_for_update().get_or_create(workspace=workspace)
    last = PrivacyNotice.objects.filter(workspace=workspace, language=language).order_by("-version")
    version = (last.values_list("version", flat=True).first() or 0) + 1
    notice = PrivacyNotice.objects.create(
        workspace=workspace, language=language, version=version, text=text
    )
    audit_record(
        workspace=workspace,
        action="privacy_notice.published",
        actor=user,
        subject_type="privacy_notice",
        subject_id=notice.pk,
        data={"language": language, "version": version},
    )
    return notice


# ---------------------------------------------------------------- mirror and mail


def _mirror(person: Person) -> None:
    """Copy the talent-pool consent state into the candidate profile (created if missing)."""
    status = selectors.consent_status(person=person, purpose=Purpose.TALENT_POOL)
    updated = CandidateProfile.objects.filter(person=person).update(
        consent_state=status.state, consent_expires_at=status.expires_at, updated_at=timezone.now()
    )
    if not updated:
        CandidateProfile.objects.create(
            workspace_id=person.workspace_id,
            person=person,
            consent_state=status.state,
            consent_expires_at=status.expires_at,
        )
    # The nurture rule of silver medallists follows the consent state.
    facts_changed([person.pk])


def _leave_pools(person: Person, purpose: str) -> int:
    if purpose != Purpose.TALENT_POOL:
        return 0
    removed, _kinds = PoolMember.objects.filter(person=person).delete()
    return removed


def _queue_mail(
    *, person: Person, email: str, language: str, template: str, context: dict[str, Any]
) -> int:
    """Queue a privacy mail through the outbox (the site's sender); the message id."""
    with translation.override(language):
        subject = render_to_string(f"emails/privacy/{template}_subject.txt", context).strip()
        body = render_to_string(f"emails/privacy/{template}.txt", context)
    message = message_queue_email(
        workspace=person.workspace,
        person=person,
        user=None,
        to_address=email,
        subject=" ".join(subject.split()),
        body=body,
        idempotency_key=new_idempotency_key(),
        template_key=f"privacy_{template}",
        list_unsubscribe=context.get("withdraw_url", ""),
    )
    return message.pk


def _mail_context(person: Person, purpose: str, confirm_token: str) -> dict[str, Any]:
    withdraw = tokens.withdraw_token_make(
        workspace_id=person.workspace_id, person_id=person.pk, purpose=purpose
    )
    return {
        "workspace_name": person.workspace.name,
        "purpose": purpose,
        "confirm_url": _link("privacy_confirm", confirm_token),
        "withdraw_url": _link("privacy_withdraw", withdraw),
    }


def _primary_email(person: Person) -> str:
    found = person.emails.order_by("-is_primary", "id").values_list("email", flat=True).first()
    return found or ""


# ---------------------------------------------------------------- request and confirm


@transaction.atomic
def consent_request(
    *,
    person: Person,
    purpose: str,
    source: str,
    language: str = "",
    email: str = "",
    user: User | None = None,
    send: bool = True,
    renewal: bool = False,
    details: dict[str, str] | None = None,
    created_person: bool = False,
    lapse_at: dt.datetime | None = None,
) -> tuple[ConsentRecord, str]:
    """Ask a person for consent by double opt-in; the request and its confirmation link.

    With `send` the mail goes out through the outbox now; without it the caller puts the
    link into its own message (the talent-pool invitation in a rejection, "email link"
    mode), which must be built when that message is sent. The request lapses after 30 days.
    """
    if purpose not in Purpose.values or source not in (Source.FORM, Source.EMAIL_LINK):
        raise ValidationError(_("Unknown purpose or source."))
    language = _language(language or person.language)
    email = (
        normalise_email(email or _primary_email(person), field="email") if (email or send) else ""
    )
    workspace = person.workspace
    months = privacy_settings_ensure(workspace=workspace).consent_months
    with translation.override(language):
        text = consent_statement(workspace=workspace, purpose=purpose, months=months)
    notice = current_notice(workspace=workspace, language=language, months=months)
    token = tokens.confirm_token_make()
    now = timezone.now()
    message_ref = None
    if send:
        context = {**_mail_context(person, purpose, token), "consent_text": text}
        template = "consent_renewal" if renewal else "consent_request"
        message_ref = _queue_mail(
            person=person, email=email, language=language, template=template, context=context
        )
    record = ConsentRecord.objects.create(
        workspace=workspace,
        person=person,
        purpose=purpose,
        kind=RecordKind.REQUEST,
        source=source,
        renewal=renewal,
        language=language,
        consent_text=text,
        notice_version=notice.version,
        notice_sha256=notice.sha256,
        email=email,
        token_sha256=tokens.digest(token),
        message_ref=message_ref,
        sent_at=now if send else None,
        expires_at=min(now + REQUEST_LAPSE, lapse_at or now + REQUEST_LAPSE),
        recorded_by_id=getattr(user, "pk", None),
        recorded_by_name=_user_name(user),
        created_person=created_person,
        details=details or {},
        created_at=now,
    )
    audit_record(
        workspace=workspace,
        action="consent.renewal_requested" if renewal else "consent.requested",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
        data={"record": record.pk, "purpose": purpose, "source": source, "sent": send},
    )
    _mirror(person)
    return record, _link("privacy_confirm", token)


def _user_name(user: User | None) -> str:
    if user is None:
        return ""
    return (user.get_full_name() or user.get_username())[:200]


def _request_for_token(token: str) -> ConsentRecord:
    token_hash = tokens.confirm_token_check(token, max_age=REQUEST_LAPSE)
    found = (
        ConsentRecord.objects.select_related("request", "person", "workspace")
        .filter(token_sha256=token_hash, kind__in=[RecordKind.REQUEST, RecordKind.REMINDER])
        .first()
    )
    if found is None:
        # Signed by us but gone: the request lapsed and was deleted.
        raise tokens.TokenError("expired")
    request = found.request if found.kind == RecordKind.REMINDER else found
    if request is None:
        raise tokens.TokenError("invalid")
    return request


def consent_request_for_token(*, token: str) -> ConsentRecord:
    """The open request a confirmation link stands for, or TokenError (nothing written)."""
    request = _request_for_token(token)
    if request.answers.filter(kind=RecordKind.GRANT).exists():
        raise tokens.TokenError("used")
    status = selectors.consent_status(person=request.person, purpose=request.purpose)
    if request.expires_at is not None and request.expires_at <= timezone.now():
        raise tokens.TokenError("expired")
    if status.granted is not None and status.granted.created_at > request.created_at:
        raise tokens.TokenError("used")
    if not _still_open(request):
        raise tokens.TokenError("closed")
    return request


def _still_open(request: ConsentRecord) -> bool:
    """No grant, withdrawal or expiry of the same person and purpose came after it."""
    return not ConsentRecord.objects.filter(
        person_id=request.person_id,
        purpose=request.purpose,
        kind__in=[RecordKind.GRANT, RecordKind.WITHDRAWAL, RecordKind.EXPIRY],
        created_at__gte=request.created_at,
    ).exists()


@transaction.atomic
def consent_confirm(*, token: str) -> ConsentRecord:
    """The click on a double opt-in link: the consent is granted, once per request."""
    request = consent_request_for_token(token=token)
    Person.objects.select_for_update().filter(pk=request.person_id).first()
    if not _still_open(request):  # a withdrawal committed while we checked
        raise tokens.TokenError("closed")
    now = timezone.now()
    months = privacy_settings_ensure(workspace=request.workspace).consent_months
    try:
        with transaction.atomic():
            grant = ConsentRecord.objects.create(
                workspace=request.workspace,
                person=request.person,
                purpose=request.purpose,
                kind=RecordKind.GRANT,
                request=request,
                source=request.source,
                renewal=request.renewal,
                language=request.language,
                consent_text=request.consent_text,
                notice_version=request.notice_version,
                notice_sha256=request.notice_sha256,
                email=request.email,
                clicked_at=now,
                expires_at=add_months(now, months),
                created_at=now,
            )
    except IntegrityError:
        raise tokens.TokenError("used") from None
    _apply_details(request)
    audit_record(
        workspace=request.workspace,
        action="consent.granted",
        subject_type="person",
        subject_id=request.person_id,
        data={"record": grant.pk, "request": request.pk, "purpose": request.purpose},
    )
    _mirror(request.person)
    return grant


def _apply_details(request: ConsentRecord) -> None:
    """What the person entered on the sign-up form takes effect once they confirmed."""
    details = request.details or {}
    profile = CandidateProfile.objects.filter(person_id=request.person_id).first()
    if profile is not None:
        fields = []
        if details.get("career_level") in CareerLevel.values:
            profile.career_level, profile.career_level_source = details["career_level"], "manual"
            fields += ["career_level", "career_level_source"]
        if details.get("job_type") in JobType.values:
            profile.job_type, profile.job_type_source = details["job_type"], "manual"
            fields += ["job_type", "job_type_source"]
        if fields:
            profile.save(update_fields=[*fields, "updated_at"])
    interests = (details.get("interests") or "").strip()
    if interests:
        person = request.person
        line = _("Interests (talent-pool sign-up): %(interests)s") % {"interests": interests}
        if line not in person.notes:
            notes = f"{person.notes}\n\n{line}".strip()[:50000]
            person_update(person=person, notes=notes)


# ---------------------------------------------------------------- withdraw and record


@transaction.atomic
def consent_withdraw(
    *,
    person: Person,
    purpose: str,
    channel: str,
    user: User | None = None,
    token_sha256: str = "",
    note: str = "",
) -> ConsentRecord | None:
    """Withdraw at once (also closes an open request); None when there was nothing to end."""
    if purpose not in Purpose.values or channel not in WithdrawalChannel.values:
        raise ValidationError(_("Unknown purpose or channel."))
    Person.objects.select_for_update().filter(pk=person.pk).first()
    status = selectors.consent_status(person=person, purpose=purpose)
    if status.state in (ConsentState.NONE, ConsentState.WITHDRAWN, ConsentState.EXPIRED):
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            record = ConsentRecord.objects.create(
                workspace_id=person.workspace_id,
                person=person,
                purpose=purpose,
                kind=RecordKind.WITHDRAWAL,
                channel=channel,
                token_sha256=token_sha256,
                proof_note=clean_text(note, field="note", max_length=2000, multiline=True),
                recorded_by_id=getattr(user, "pk", None),
                recorded_by_name=_user_name(user),
                created_at=now,
            )
    except IntegrityError:
        raise tokens.TokenError("used") from None
    left = _leave_pools(person, purpose)
    audit_record(
        workspace=person.workspace_id,
        action="consent.withdrawn",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
        data={"record": record.pk, "purpose": purpose, "channel": channel, "pools_left": left},
    )
    _mirror(person)
    return record


@transaction.atomic
def consent_withdraw_on_behalf(
    *, person: Person, purpose: str, channel: str, user: User, note: str = ""
) -> ConsentRecord:
    """A member withdraws for the person (they phoned or wrote); refused, with nothing
    written, when there is no consent or open request to end."""
    record = consent_withdraw(person=person, purpose=purpose, channel=channel, user=user, note=note)
    if record is None:
        raise ValidationError(
            {"purpose": _("There is no consent or open request to withdraw for this purpose.")}
        )
    return record


def consent_withdraw_target(*, token: str) -> tuple[Person, str]:
    """The person and purpose of a withdrawal link, or TokenError (nothing written)."""
    workspace_id, person_id, purpose = tokens.withdraw_token_load(
        token, max_age=withdraw_link_age()
    )
    person = Person.objects.filter(pk=person_id, workspace_id=workspace_id).first()
    if person is None or purpose not in Purpose.values:
        raise tokens.TokenError("invalid")
    if ConsentRecord.objects.filter(
        kind=RecordKind.WITHDRAWAL, token_sha256=tokens.digest(token)
    ).exists():
        raise tokens.TokenError("used")
    return person, purpose


@transaction.atomic
def consent_withdraw_by_token(*, token: str, channel: str = WithdrawalChannel.LINK) -> str:
    """The one click from a mail, without login; the purpose withdrawn. A link already used,
    or consent already ended, changes nothing."""
    person, purpose = consent_withdraw_target(token=token)
    consent_withdraw(
        person=person, purpose=purpose, channel=channel, token_sha256=tokens.digest(token)
    )
    return purpose


@transaction.atomic
def consent_record_by_recruiter(
    *,
    person: Person,
    purpose: str,
    user: User,
    proof_note: str,
    language: str = "",
    notice_version: str = "",
) -> ConsentRecord:
    """Record consent given outside the app (phone, letter, in person) with a note of proof.

    `notice_version` is the privacy-notice version the recruiter showed: when a newer one
    was published meanwhile, nothing is recorded (the person did not see that text).
    """
    if purpose not in Purpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    note = clean_text(proof_note, field="proof_note", max_length=2000, multiline=True)
    if len(note) < 10:
        raise ValidationError(
            {"proof_note": _("Say how and when the person agreed (at least 10 characters).")}
        )
    if hasattr(person, "anonymisation"):
        raise ValidationError(_("This person was anonymised; no consent can be recorded."))
    language = _language(language or person.language)
    months = privacy_settings_ensure(workspace=person.workspace).consent_months
    with translation.override(language):
        text = consent_statement(workspace=person.workspace, purpose=purpose, months=months)
    notice = current_notice(workspace=person.workspace, language=language, months=months)
    if notice_version and notice_version != notice.version:
        raise ValidationError(
            {
                "notice_version": _(
                    "The privacy notice shown is not the current one (now %(version)s)."
                )
                % {"version": notice.version}
            }
        )
    now = timezone.now()
    record = ConsentRecord.objects.create(
        workspace_id=person.workspace_id,
        person=person,
        purpose=purpose,
        kind=RecordKind.GRANT,
        source=Source.RECRUITER,
        language=language,
        consent_text=text,
        notice_version=notice.version,
        notice_sha256=notice.sha256,
        proof_note=note,
        recorded_by_id=user.pk,
        recorded_by_name=_user_name(user),
        expires_at=add_months(now, months),
        created_at=now,
    )
    audit_record(
        workspace=person.workspace_id,
        action="consent.recorded",
        actor=user,
        subject_type="person",
        subject_id=person.pk,
        data={"record": record.pk, "purpose": purpose, "source": Source.RECRUITER},
    )
    _mirror(person)
    return record


# ---------------------------------------------------------------- public sign-up


def _split_name(name: str) -> tuple[str, str]:
    first, _sep, last = name.rpartition(" ")
    return (first, last) if first else (name, "")


@transaction.atomic
def pool_signup(
    *,
    workspace: Workspace,
    name: str,
    email: str,
    interests: str = "",
    career_level: str = "",
    job_type: str = "",
    language: str = "de",
) -> None:
    """A sign-up on the public talent-pool form: always a fresh double opt-in mail.

    The answer is the same whether the address is new, known, in the pool or withdrew
    (nothing to enumerate), and nothing is granted without the click. A new address becomes
    a person whose row goes with the request if it lapses unconfirmed; the name of a known
    person is not changed by what a stranger typed. The mail does not repeat the name.
    """
    name = clean_text(name, field="name", max_length=200)
    if not name:
        raise ValidationError({"name": _("Please enter your name.")})
    email = normalise_email(email, field="email")
    details = {
        "interests": clean_text(interests, field="interests", max_length=1000, multiline=True),
        "career_level": career_level if career_level in CareerLevel.values else "",
        "job_type": job_type if job_type in JobType.values else "",
    }
    language = _language(language)
    person = selectors.person_by_email(workspace_id=workspace.pk, email=email)
    created = person is None or _only_known_from_signups(person)
    if person is None:
        first, last = _split_name(name)
        person = person_create(
            workspace=workspace,
            first_name=first[:100],
            last_name=last[:100],
            emails=[email],
            language=language,
        )
    consent_request(
        person=person,
        purpose=Purpose.TALENT_POOL,
        source=Source.FORM,
        language=language,
        email=email,
        details=details,
        created_person=created,
    )


def _only_known_from_signups(person: Person) -> bool:
    """The person exists only because of unconfirmed sign-ups: a new one may lapse with them."""
    records = ConsentRecord.objects.filter(person=person)
    return (
        records.filter(created_person=True).exists()
        and not records.exclude(kind__in=[RecordKind.REQUEST, RecordKind.REMINDER]).exists()
        and not person.candidacies.exists()
    )


def pool_invitation_url(candidacy: Any) -> str:
    """The double opt-in link for a rejected candidate's talent-pool invitation.

    For recruiting's rejection message (the `talent_pool_link` placeholder): records a
    request in "email link" mode without a mail of its own, so call it when the message is
    built for sending. Empty when the person already consented or withdrew (the message
    then does not invite them).
    """
    person = candidacy.person
    status = selectors.consent_status(person=person, purpose=Purpose.TALENT_POOL)
    if status.state in (ConsentState.GRANTED, ConsentState.WITHDRAWN):
        return ""
    _record, url = consent_request(
        person=person,
        purpose=Purpose.TALENT_POOL,
        source=Source.EMAIL_LINK,
        email=_primary_email(person),
        send=False,
    )
    return url


@transaction.atomic
def privacy_settings_save(
    *, workspace: Workspace, signup_enabled: bool, consent_months: int, user: User
) -> PrivacySettings:
    """Open or close the public sign-up and set how long new consent lasts (1–36 months)."""
    if not 1 <= consent_months <= 36:
        raise ValidationError({"consent_months": _("Choose between 1 and 36 months.")})
    found = privacy_settings_ensure(workspace=workspace)
    found.signup_enabled, found.consent_months = signup_enabled, consent_months
    found.save(update_fields=["signup_enabled", "consent_months", "updated_at"])
    audit_record(
        workspace=workspace,
        action="privacy_settings.changed",
        actor=user,
        data={"signup_enabled": signup_enabled, "consent_months": consent_months},
    )
    return found


RETENTION_MONTHS_RANGE = (1, 120)


@transaction.atomic
def privacy_retention_save(*, workspace: Workspace, months: int, user: User) -> PrivacySettings:
    """Set how many months after the rejection was sent a rejected candidate without
    consent is kept (1–120); the daily retention job and the dry-run report use it."""
    low, high = RETENTION_MONTHS_RANGE
    if not low <= months <= high:
        raise ValidationError(
            {
                "retention_months": _("Choose between %(low)d and %(high)d months.")
                % {"low": low, "high": high}
            }
        )
    found = privacy_settings_ensure(workspace=workspace)
    before = found.retention_months
    found.retention_months = months
    found.save(update_fields=["retention_months", "updated_at"])
    audit_record(
        workspace=workspace,
        action="privacy_settings.retention_changed",
        actor=user,
        data={"from": before, "to": months},
    )
    return found
