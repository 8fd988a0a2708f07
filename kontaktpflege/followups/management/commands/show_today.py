"""Print a user's agenda: `kontaktpflege today --user alice`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kontaktpflege.accounts.models import User
from kontaktpflege.followups.selectors import agenda
from kontaktpflege.followups.services import workspace_today


class Command(BaseCommand):
    help = "Show whom to contact today, and why."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="Username.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or user.active_workspace is None:
            raise CommandError(f"No user {options['user']!r} with a workspace.")
        with translation.override(user.language):
            plan = agenda(
                workspace=user.active_workspace,
                today=workspace_today(user.active_workspace),
                language=user.language,
            )
            titles = {
                "overdue": translation.gettext("Overdue"),
                "today": translation.gettext("Today"),
                "week": translation.gettext("This week"),
            }
        for group, items in plan.groups.items():
            if not items:
                continue
            self.stdout.write(f"{titles[group]} ({plan.totals[group]})")
            for item in items:
                due = item.followup.due_on.isoformat()
                self.stdout.write(f"  {due}  {item.followup.person.full_name}: {item.reason}")
        if plan.is_empty:
            self.stdout.write("—")
