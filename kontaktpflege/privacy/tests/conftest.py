"""Fixtures for privacy: a workspace with its public sign-up, a candidate, links from mails."""

from __future__ import annotations

import re

import pytest

from kontaktpflege.messaging.models import OutboundMessage

LINK = re.compile(r"/consent/(confirm|withdraw)/([^/\s]+)/")


@pytest.fixture
def pool(workspace):
    from kontaktpflege.privacy.services import privacy_settings_ensure

    workspace.name = "Acme Recruiting"
    workspace.save(update_fields=["name"])
    return privacy_settings_ensure(workspace=workspace)


@pytest.fixture
def lena(make_person):
    return make_person(first_name="Lena", last_name="Vogel", emails=["lena@example.com"])


def links(body: str) -> dict[str, str]:
    """The confirm and withdraw tokens in a mail body."""
    return dict(LINK.findall(body))


def last_mail(to: str) -> OutboundMessage:
    return OutboundMessage.objects.filter(to_address=to).order_by("-id").first()


@pytest.fixture
def client():
    """An anonymous visitor whose browser asks for English (the site's default is German)."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})
