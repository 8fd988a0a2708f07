"""Create a user with a personal workspace."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kontaktpflege.accounts.services import user_create


class Command(BaseCommand):
    help = "Create a user with a personal workspace."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")
        parser.add_argument("email")
        parser.add_argument("--password", required=True)
        parser.add_argument("--language", default="de", choices=["de", "en"])
        parser.add_argument("--time-zone", default="Europe/Berlin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_create(
                username=options["username"],
                email=options["email"],
                password=options["password"],
                language=options["language"],
                time_zone=options["time_zone"],
            )
        except (ValidationError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Created {user.username} with workspace {user.active_workspace}")
