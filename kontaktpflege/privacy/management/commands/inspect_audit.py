"""`kontaktpflege audit verify`: walk the hash chains of the audit log; exit 1 on a break."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kontaktpflege.privacy.audit import audit_verify
from kontaktpflege.privacy.models import AuditEvent


class Command(BaseCommand):
    help = "Check the audit log: `verify` recomputes every workspace's hash chain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify"])
        parser.add_argument("--workspace", type=int, default=None, help="only this workspace id")

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = audit_verify(workspace_id=options["workspace"])
        if breaks:
            for found in breaks:
                self.stderr.write(f"BROKEN {found}")
            raise CommandError(
                f"audit log: {len(breaks)} chain(s) broken; the first broken row is named above"
            )
        events = AuditEvent.objects.all()
        if options["workspace"] is not None:
            events = events.filter(workspace_id=options["workspace"])
        self.stdout.write(f"audit log intact: {events.count()} events verified")
