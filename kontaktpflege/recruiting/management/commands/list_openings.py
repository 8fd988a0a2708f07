"""List the openings with their candidacy counts: `kontaktpflege openings --user a`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kontaktpflege.accounts.models import User
from kontaktpflege.recruiting.models import OpeningStatus
from kontaktpflege.recruiting.selectors import opening_list


class Command(BaseCommand):
    help = "List the openings with their status and number of candidacies."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="Username.")
        parser.add_argument("--status", default="", choices=["", *OpeningStatus.values])

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or user.active_workspace is None:
            raise CommandError(f"No user {options['user']!r} with a workspace.")
        openings = list(opening_list(workspace=user.active_workspace, status=options["status"]))
        with translation.override(user.language):
            for o in openings:
                counts = f"{o.candidacy_count:>4} {o.active_count:>4}"  # type: ignore[attr-defined]
                self.stdout.write(f"{o.pk:>5}  {o.get_status_display():<10} {counts}  {o.title}")
            if not openings:
                self.stdout.write("—")
