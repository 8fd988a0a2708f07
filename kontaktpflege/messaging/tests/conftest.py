"""Fixtures for messaging: people with realistic data and a real SMTP server."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest


@pytest.fixture
def julia(make_person):
    """Dr. Julia Weber, formal German, with an email and an organisation."""
    from kontaktpflege.contacts.services import organisation_get_or_create

    person = make_person(
        first_name="Julia",
        last_name="Weber",
        gender="f",
        academic_title="Dr.",
        form_of_address="sie",
        language="de",
        job_title="Leiterin Produktentwicklung",
        emails=["julia.weber@example.com"],
    )
    person.organisation = organisation_get_or_create(workspace=person.workspace, name="Acme GmbH")
    person.save(update_fields=["organisation"])
    return person


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every accepted message; optionally slow or refusing."""

    messages: list[Any] = field(default_factory=list)
    slow_data_for: str = ""  # subject substring: sleep after storing, before answering 250
    slow_rcpt_for: str = ""
    delay: float = 0.0
    refuse_code: int = 0
    rcpt_waiting: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.refuse_code:
            return f"{self.refuse_code} mailbox unavailable"
        if self.slow_rcpt_for and self.slow_rcpt_for in address:
            self.rcpt_waiting = True
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
        if self.slow_data_for and self.slow_data_for in str(msg["Subject"]):
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip() for m in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real aiosmtpd server on 127.0.0.1 (free port); Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    handler = Recorder()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()
