"""The consent statements and the default privacy notice shipped in German and English.

A workspace may publish its own notice (`privacy_notice_publish`); each published text is a
new version. Consent records keep the exact statement shown and the notice's version and
sha256, so the wording a person agreed to can be shown later even when the default changes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.privacy.models import PrivacyNotice, Purpose

DEFAULT_VERSION = "default-1"


def _default_notice(workspace: Workspace, months: int) -> str:
    return _(
        "Privacy notice of %(name)s for the talent pool\n\n"
        "Who is responsible: %(name)s (contact: the address our emails come from).\n"
        "What we store: your name, email address, the interests, career level and preferred "
        "job type you give us, and the record of your consent.\n"
        "Why: to tell you about positions that may suit you (Art. 6(1)(a) GDPR, consent).\n"
        "How long: %(months)d months from your confirmation unless you renew it; without "
        "renewal your details leave the pool. An unconfirmed sign-up is deleted after 30 days.\n"
        "Your rights: you may withdraw your consent at any time with one click from every "
        "message, without giving reasons; you may ask for access to, correction or erasure of "
        "your data, and complain to a data protection authority.\n"
        "Nobody outside %(name)s sees your details."
    ) % {"name": workspace.name, "months": months}


def consent_statement(*, workspace: Workspace, purpose: str, months: int) -> str:
    """The sentence a person agrees to, in the active language."""
    if purpose == Purpose.CAMPAIGNS:
        return _(
            "I would like to receive news and job campaigns from %(name)s by email. I can "
            "unsubscribe at any time with one click."
        ) % {"name": workspace.name}
    return _(
        "I agree that %(name)s keeps my details in its talent pool for %(months)d months and "
        "contacts me about suitable positions. I can withdraw this consent at any time with "
        "one click."
    ) % {"name": workspace.name, "months": months}


@dataclass(frozen=True)
class Notice:
    """The privacy notice shown: its text, version and hash."""

    text: str
    version: str
    language: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def current_notice(*, workspace: Workspace, language: str, months: int) -> Notice:
    """The workspace's latest notice in this language, else the shipped default."""
    own = (
        PrivacyNotice.objects.filter(workspace=workspace, language=language)
        .order_by("-version")
        .first()
    )
    if own is not None:
        return Notice(own.text, f"v{own.version}", language)
    with translation.override(language):
        return Notice(_default_notice(workspace, months), DEFAULT_VERSION, language)
