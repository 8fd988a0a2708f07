"""List the applications with their next follow-up: `kontaktpflege applications --user a`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kontaktpflege.accounts.models import User
from kontaktpflege.applications.models import Stage
from kontaktpflege.applications.selectors import application_list, attach_next_followups
from kontaktpflege.followups.selectors import agenda_item
from kontaktpflege.followups.services import workspace_today


class Command(BaseCommand):
    help = "List the applications with their stage and next follow-up."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="Username.")
        parser.add_argument("--stage", default="", choices=["", *Stage.values])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or user.active_workspace is None:
            raise CommandError(f"No user {options['user']!r} with a workspace.")
        workspace = user.active_workspace
        apps = list(application_list(workspace=workspace, stage=options["stage"]))
        attach_next_followups(workspace=workspace, applications=apps)
        today = workspace_today(workspace)
        with translation.override(user.language):
            for app in apps:
                applied = app.applied_on.isoformat() if app.applied_on else "—"
                line = f"{app.pk:>5}  {app.get_stage_display():<12} {applied}  "
                self.stdout.write(line + f"{app.position} @ {app.organisation.name}")
                row = app.next_followup  # type: ignore[attr-defined]
                if row is not None:
                    item = agenda_item(row, today=today, language=user.language)
                    self.stdout.write(f"       → {row.due_on.isoformat()}  {item.reason}")
            if not apps:
                self.stdout.write("—")
