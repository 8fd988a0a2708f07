"""Rebuild follow-ups from scratch: `kontaktpflege recompute [--workspace ID]`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kontaktpflege.accounts.models import Workspace
from kontaktpflege.followups.services import followups_recompute_workspace


class Command(BaseCommand):
    help = "Recompute every follow-up from the facts (people, touchpoints, occasions)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workspace", type=int, help="Only this workspace id.")

    def handle(self, *args: Any, **options: Any) -> None:
        workspaces = Workspace.objects.order_by("pk")
        if options["workspace"]:
            workspaces = workspaces.filter(pk=options["workspace"])
            if not workspaces.exists():
                raise CommandError(f"No workspace {options['workspace']}.")
        for workspace in workspaces:
            count = followups_recompute_workspace(workspace=workspace)
            self.stdout.write(f"{workspace.pk} {workspace.name}: {count} active follow-ups")
