"""Reads of the privacy app: the consent state derived from the records, and lookups."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from kontaktpflege.contacts.models import Person
from kontaktpflege.privacy.models import ConsentRecord, PrivacySettings, RecordKind
from kontaktpflege.recruiting.models import ConsentState

DECISIVE = (RecordKind.GRANT, RecordKind.WITHDRAWAL, RecordKind.EXPIRY)


@dataclass(frozen=True)
class ConsentStatus:
    """A person's consent for one purpose now: the state, until when, the open request."""

    state: str
    expires_at: dt.datetime | None = None
    granted: ConsentRecord | None = None
    open_request: ConsentRecord | None = None


def derive_status(records: list[ConsentRecord], now: dt.datetime) -> ConsentStatus:
    """The state from one person's records for one purpose, in the order they were written.

    The last grant, withdrawal or expiry decides; a grant past its expiry counts as expired
    even before the daily job writes the expiry record. A request not yet lapsed and written
    after the deciding record is open: it shows as "requested" unless a valid grant stands.
    """
    decisive = next((r for r in reversed(records) if r.kind in DECISIVE), None)
    after = decisive.created_at if decisive is not None else None
    answered = {r.request_id for r in records if r.kind == RecordKind.GRANT}
    open_request = next(
        (
            r
            for r in reversed(records)
            if r.kind == RecordKind.REQUEST
            and r.pk not in answered
            and (after is None or (r.created_at, r.pk) > (after, decisive.pk))  # type: ignore[union-attr]
            and (r.expires_at is None or r.expires_at > now)
        ),
        None,
    )
    if decisive is not None and decisive.kind == RecordKind.GRANT:
        if decisive.expires_at is None or decisive.expires_at > now:
            return ConsentStatus(ConsentState.GRANTED, decisive.expires_at, decisive, open_request)
        state = ConsentState.EXPIRED
    elif decisive is not None:
        state = (
            ConsentState.WITHDRAWN
            if decisive.kind == RecordKind.WITHDRAWAL
            else ConsentState.EXPIRED
        )
    else:
        state = ConsentState.NONE
    if open_request is not None:
        return ConsentStatus(ConsentState.REQUESTED, None, None, open_request)
    return ConsentStatus(state)


def consent_status(
    *, person: Person, purpose: str, now: dt.datetime | None = None
) -> ConsentStatus:
    """The person's current consent for a purpose, derived from the records."""
    records = list(ConsentRecord.objects.filter(person=person, purpose=purpose).order_by("id"))
    records.sort(key=lambda r: (r.created_at, r.pk))
    return derive_status(records, now or timezone.now())


def consent_records_for(*, person: Person) -> list[ConsentRecord]:
    """Every consent record of a person (the caller checked the person's workspace)."""
    return list(ConsentRecord.objects.filter(person=person).order_by("created_at", "id"))


def privacy_settings_by_key(public_key: str) -> PrivacySettings | None:
    """The workspace behind a public sign-up address, when its sign-up is open."""
    if not public_key or len(public_key) > 32:
        return None
    return (
        PrivacySettings.objects.select_related("workspace")
        .filter(public_key=public_key, signup_enabled=True)
        .first()
    )


def person_by_email(*, workspace_id: int, email: str) -> Person | None:
    """The workspace's person with this address (the oldest, when several share it)."""
    return (
        Person.objects.filter(workspace_id=workspace_id, emails__email__iexact=email)
        .order_by("id")
        .first()
    )
