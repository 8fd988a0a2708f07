"""The daily upkeep of consent: reminders 7 and 2 days before an unconfirmed request lapses,
deletion of requests that lapsed unconfirmed (30 days), renewal requests before a consent
expires (they lapse when it does), and the expiry record when nobody renewed.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from kontaktpflege.contacts.services import person_delete
from kontaktpflege.privacy import tokens
from kontaktpflege.privacy.audit import audit_record
from kontaktpflege.privacy.models import ConsentRecord, RecordKind, Source
from kontaktpflege.privacy.services import (
    REMINDER_DAYS,
    _leave_pools,
    _mail_context,
    _mirror,
    _primary_email,
    _queue_mail,
    _still_open,
    consent_request,
)

RENEW_BEFORE = dt.timedelta(days=30)


def _open_requests(now: dt.datetime) -> list[ConsentRecord]:
    """Requests not yet lapsed, not answered, and not closed by a later decision."""
    rows = (
        ConsentRecord.objects.select_related("person", "workspace")
        .filter(kind=RecordKind.REQUEST, expires_at__gt=now)
        .exclude(answers__kind=RecordKind.GRANT)
        .order_by("id")
    )
    return [r for r in rows if _still_open(r)]


@transaction.atomic
def consent_remind(*, request: ConsentRecord, days: int) -> ConsentRecord | None:
    """Remind of an unconfirmed request `days` before it lapses, once (new link, same
    request); None when this reminder went out already or the request has no address."""
    if not request.email or request.answers.filter(kind=RecordKind.REMINDER, reminder_days=days):
        return None
    token = tokens.confirm_token_make()
    context = {
        **_mail_context(request.person, request.purpose, token),
        "consent_text": request.consent_text,
        "days": days,
    }
    message_ref = _queue_mail(
        person=request.person,
        email=request.email,
        language=request.language or "de",
        template="consent_reminder",
        context=context,
    )
    now = timezone.now()
    reminder = ConsentRecord.objects.create(
        workspace_id=request.workspace_id,
        person_id=request.person_id,
        purpose=request.purpose,
        kind=RecordKind.REMINDER,
        request=request,
        email=request.email,
        token_sha256=tokens.digest(token),
        message_ref=message_ref,
        sent_at=now,
        reminder_days=days,
        created_at=now,
    )
    audit_record(
        workspace=request.workspace_id,
        action="consent.reminded",
        subject_type="person",
        subject_id=request.person_id,
        data={"record": reminder.pk, "request": request.pk, "days": days},
    )
    return reminder


def _reminder_due(request: ConsentRecord, now: dt.datetime) -> int | None:
    """The latest reminder stage reached (7, then 2 days before the lapse)."""
    assert request.expires_at is not None
    reached = [d for d in REMINDER_DAYS if now >= request.expires_at - dt.timedelta(days=d)]
    return min(reached) if reached else None


@transaction.atomic
def consent_request_lapse(*, request: ConsentRecord) -> bool:
    """Delete an unconfirmed request that lapsed (with its reminders; the audit event
    stays), and the person it created when nothing else holds them."""
    if request.answers.filter(kind=RecordKind.GRANT).exists():
        return False
    person = request.person
    audit_record(
        workspace=request.workspace_id,
        action="consent.request_lapsed",
        subject_type="person",
        subject_id=person.pk,
        data={"record": request.pk, "purpose": request.purpose},
    )
    request.delete()
    orphan = request.created_person and not ConsentRecord.objects.filter(person=person).exists()
    if orphan and not person.candidacies.exists():
        person_delete(person=person)
        return True
    _mirror(person)
    return True


@transaction.atomic
def consent_expire(*, grant: ConsentRecord) -> ConsentRecord | None:
    """Record that a consent ran out without renewal; the person leaves the pools."""
    person = grant.person
    latest = (
        ConsentRecord.objects.filter(person=person, purpose=grant.purpose)
        .order_by("-created_at", "-id")
        .exclude(kind__in=[RecordKind.REQUEST, RecordKind.REMINDER])
        .first()
    )
    if latest is None or latest.kind != RecordKind.GRANT:
        return None  # already recorded (or ended otherwise)
    if latest.expires_at is None or latest.expires_at > timezone.now():
        return None
    record = ConsentRecord.objects.create(
        workspace_id=grant.workspace_id,
        person=person,
        purpose=grant.purpose,
        kind=RecordKind.EXPIRY,
        request=None,
        expires_at=latest.expires_at,
        created_at=timezone.now(),
    )
    left = _leave_pools(person, grant.purpose)
    audit_record(
        workspace=grant.workspace_id,
        action="consent.expired",
        subject_type="person",
        subject_id=person.pk,
        data={"record": record.pk, "purpose": grant.purpose, "pools_left": left},
    )
    _mirror(person)
    return record


def _latest_grants(now: dt.datetime, before: dt.datetime) -> list[ConsentRecord]:
    """Grants that decide their person's state and expire before `before`."""
    rows = (
        ConsentRecord.objects.select_related("person", "workspace")
        .filter(kind=RecordKind.GRANT, expires_at__lte=before)
        .order_by("id")
    )
    found = []
    for grant in rows:
        later = ConsentRecord.objects.filter(
            person_id=grant.person_id,
            purpose=grant.purpose,
            kind__in=[RecordKind.GRANT, RecordKind.WITHDRAWAL, RecordKind.EXPIRY],
            created_at__gt=grant.created_at,
        )
        if not later.exists():
            found.append(grant)
    return found


def privacy_upkeep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: reminders, lapse of unconfirmed requests, renewal requests, expiry.

    Each step is idempotent (a reminder per stage, one renewal request per consent, an expiry
    record once), so running it more often than daily only repeats nothing.
    """
    now = now or timezone.now()
    counts = {"reminded": 0, "lapsed": 0, "renewal_requested": 0, "expired": 0}
    for request in _open_requests(now):
        days = _reminder_due(request, now)
        if days is not None and consent_remind(request=request, days=days) is not None:
            counts["reminded"] += 1
    lapsed = ConsentRecord.objects.filter(kind=RecordKind.REQUEST, expires_at__lte=now).exclude(
        answers__kind=RecordKind.GRANT
    )
    for request in lapsed.select_related("person").order_by("id"):
        counts["lapsed"] += int(consent_request_lapse(request=request))
    for grant in _latest_grants(now, now + RENEW_BEFORE):
        if grant.expires_at is not None and grant.expires_at <= now:
            counts["expired"] += int(consent_expire(grant=grant) is not None)
        elif _renewal_due(grant):
            consent_request(
                person=grant.person,
                purpose=grant.purpose,
                source=Source.EMAIL_LINK,
                language=grant.language,
                email=grant.email or _primary_email(grant.person),
                renewal=True,
                lapse_at=grant.expires_at,
            )
            counts["renewal_requested"] += 1
    return counts


def _renewal_due(grant: ConsentRecord) -> bool:
    """No renewal request was made for this consent yet, and there is an address."""
    if not (grant.email or _primary_email(grant.person)):
        return False
    return not ConsentRecord.objects.filter(
        person_id=grant.person_id,
        purpose=grant.purpose,
        kind=RecordKind.REQUEST,
        renewal=True,
        created_at__gt=grant.created_at,
    ).exists()
