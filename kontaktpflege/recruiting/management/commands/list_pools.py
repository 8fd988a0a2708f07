"""List the talent pools with their live counts: `kontaktpflege pools --user a`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from kontaktpflege.accounts.models import User
from kontaktpflege.recruiting.pools import pool_count, pool_list


class Command(BaseCommand):
    help = "List the talent pools of a user's workspace with their member counts and filters."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--user", required=True, help="Username.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None or user.active_workspace is None:
            raise CommandError(f"No user {options['user']!r} with a workspace.")
        found = False
        with translation.override(user.language):
            for pool in pool_list(workspace=user.active_workspace):
                found = True
                count, more = pool_count(pool)
                shown = f"{count}+" if more else str(count)
                line = f"{pool.pk:>5}  {shown:>7}  {pool.get_kind_display():<28} {pool.name}"
                self.stdout.write(line)
                if pool.filters:
                    filters = ", ".join(f"{k}={v}" for k, v in pool.filters.items())
                    self.stdout.write(f"       {filters}")
            if not found:
                self.stdout.write("—")
