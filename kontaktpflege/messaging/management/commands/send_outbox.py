"""Send every due message of the outbox (after settling rows a dead worker left behind)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand

from kontaktpflege.messaging import delivery


class Command(BaseCommand):
    help = "Send due queued messages batch by batch; settle messages a crashed worker left."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch-size", type=int, default=delivery.BATCH_SIZE)
        parser.add_argument(
            "--stale-after",
            type=float,
            default=delivery.STALE_AFTER.total_seconds(),
            help="Seconds after which a message still 'sending' counts as left by a dead worker.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stale = dt.timedelta(seconds=max(0.0, options["stale_after"]))
        claimed, sent = delivery.outbox_drain(batch_size=options["batch_size"], stale_after=stale)
        self.stdout.write(f"claimed {claimed}, sent {sent}")
