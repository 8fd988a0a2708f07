"""`kontaktpflege retention [--dry-run] [--workspace ID]`: what the daily retention job
anonymises (with --dry-run only printed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.privacy.retention import retention_report, retention_run

LABELS = {
    "anonymise": "anonymise",
    "hold": "kept: legal hold",
    "consent": "kept: talent-pool consent",
    "request": "kept: data subject request open",
    "not_due": "not due",
}


class Command(BaseCommand):
    help = "Anonymise rejected candidates whose retention period ended (--dry-run: only list)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only print, change nothing")
        parser.add_argument("--workspace", type=int, help="one workspace id (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(pk=options["workspace"])
        total = 0
        for workspace in workspaces:
            report = retention_report(workspace=workspace)
            for item in report.items:
                self.stdout.write(
                    f"workspace {workspace.pk}\tperson {item.person_id}\t"
                    f"rejection sent {item.last_rejection_sent_at:%Y-%m-%d}\t"
                    f"due {item.due_at:%Y-%m-%d}\t{LABELS[item.action]}"
                )
            if options["dry_run"]:
                total += len(report.of("anonymise"))
            else:
                total += retention_run(workspace=workspace)
        verb = "would anonymise" if options["dry_run"] else "anonymised"
        self.stdout.write(f"{verb} {total} people")
