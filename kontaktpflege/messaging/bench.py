"""Benchmark "send": the outbox sending through a local aiosmtpd beside a bare smtplib loop.

The outbox path is production's: batch claim of queued rows, one SMTP connection per batch,
the DATA marker, marking sent and logging a touchpoint per message. A count of Message-IDs
received by the server proves that none was sent twice.
"""

from __future__ import annotations

import re
import smtplib
import threading
import time
import uuid
from typing import Any

from django.db import transaction
from django.test.utils import override_settings

from kontaktpflege.bench.registry import BenchContext, Result, scenario
from kontaktpflege.core.net import free_port

_MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class _Counter:
    """Counts messages and distinct Message-IDs the server accepted."""

    def __init__(self) -> None:
        self.total = 0
        self.ids: set[bytes] = set()
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        match = _MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.total += 1
            self.ids.add(match.group(1) if match else uuid.uuid4().bytes)
        return "250 OK"


def _queue_messages(ctx: BenchContext, count: int) -> tuple[list[int], list[int]]:
    """One recipient per message, as in a real mailing; setup is bulk and not timed."""
    from kontaktpflege.contacts.models import EmailAddress, Person
    from kontaktpflege.messaging.models import OutboundMessage
    from kontaktpflege.messaging.transports.email import new_message_id

    tag = uuid.uuid4().hex[:8]
    with transaction.atomic():
        people = Person.objects.bulk_create(
            Person(workspace=ctx.workspace, first_name=f"Bench{i}", last_name=f"Send {tag}")
            for i in range(count)
        )
        EmailAddress.objects.bulk_create(
            EmailAddress(
                workspace=ctx.workspace, person=p, email=f"b{i}.{tag}@example.com", is_primary=True
            )
            for i, p in enumerate(people)
        )
        rows = OutboundMessage.objects.bulk_create(
            OutboundMessage(
                workspace=ctx.workspace,
                person=person,
                created_by=ctx.user,
                channel="email",
                state="queued",
                to_address=f"b{i}.{tag}@example.com",
                from_email="Bench <bench@example.com>",
                subject=f"Bench message {i}",
                body=f"Hallo,\n\ndies ist Nachricht {i}.\n\nViele Grüße",
                idempotency_key=uuid.uuid4().hex,
                message_id=new_message_id(),
            )
            for i, person in enumerate(people)
        )
    return [p.pk for p in people], [r.pk for r in rows]


def _bare_smtplib(port: int, count: int) -> float:
    payload = (
        b"From: bench@example.com\r\nTo: floor@example.com\r\nSubject: floor\r\n"
        b"Message-ID: <%d.floor@example.com>\r\n\r\nHallo\r\n"
    )
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i in range(count):
            smtp.sendmail("bench@example.com", ["floor@example.com"], payload % i)
    return time.perf_counter() - start


def _cleanup(person_ids: list[int], message_ids: list[int]) -> None:
    from kontaktpflege.contacts.models import Person
    from kontaktpflege.messaging.models import OutboundMessage
    from kontaktpflege.touchpoints.models import Touchpoint

    sources = [f"message:{pk}" for pk in message_ids]
    for i in range(0, len(sources), 500):
        Touchpoint.objects.filter(source__in=sources[i : i + 500]).delete()
    for i in range(0, len(person_ids), 500):
        OutboundMessage.objects.filter(person_id__in=person_ids[i : i + 500]).delete()
        Person.objects.filter(pk__in=person_ids[i : i + 500]).delete()


@scenario("send")
def send(ctx: BenchContext) -> list[Result]:
    """Outbox throughput through aiosmtpd vs. a bare smtplib loop; duplicates counted."""
    from aiosmtpd.controller import Controller

    from kontaktpflege.messaging.delivery import outbox_drain

    count = int(ctx.extra.get("send_count") or (1_000 if ctx.scale == "S" else 10_000))
    counter = _Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    people, messages = _queue_messages(ctx, count)
    try:
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            start = time.perf_counter()
            _claimed, sent = outbox_drain(batch_size=200)
            elapsed = time.perf_counter() - start
        received, unique = counter.total, len(counter.ids)
        floor = _bare_smtplib(port, count)
    finally:
        controller.stop()
        _cleanup(people, messages)
    duplicates = received - unique
    note = f"{count} queued, {sent} sent, {received} received, {unique} distinct Message-IDs"
    return [
        Result(
            name=f"send {count} emails via outbox (aiosmtpd)",
            figure=round(count / elapsed, 1),
            unit="msg/s",
            floor=round(count / floor, 1),
            floor_label="bare smtplib loop",
            target="> 200 msg/s",
            note=note,
        ),
        Result(
            name="send: duplicates delivered",
            figure=duplicates,
            unit="messages",
            target="0",
            note=note,
        ),
    ]
