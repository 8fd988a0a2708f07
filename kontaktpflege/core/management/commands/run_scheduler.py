"""Enqueue the digest dispatch every minute (when workers run without their scheduler)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from django.core.management.base import BaseCommand

from kontaktpflege.core import scheduler


class Command(BaseCommand):
    help = "Trigger the daily digest and roll periodically (every --interval seconds)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--interval", type=float, default=60.0)
        parser.add_argument("--once", action="store_true", help="Enqueue once and exit.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            scheduler.tick()
            return
        with contextlib.suppress(KeyboardInterrupt):
            scheduler.run(threading.Event(), options["interval"])
