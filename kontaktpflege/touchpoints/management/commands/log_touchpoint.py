"""`kontaktpflege log "Coffee with Thomas – design" --user alice`: the quick log from a shell."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from kontaktpflege.accounts.models import User
from kontaktpflege.accounts.selectors import default_membership
from kontaktpflege.touchpoints.services import quick_log


class Command(BaseCommand):
    help = "Log a touchpoint from one line, e.g. “Coffee with Thomas – design thinking”."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="What happened, naming the people.")
        parser.add_argument("--user", required=True, help="Username whose network it is.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user “{options['user']}”.")
        membership = default_membership(user)
        if membership is None or not membership.can_write:
            raise CommandError(f"{user.username} may not log touchpoints in a workspace.")
        translation.activate(user.language)
        try:
            touchpoint = quick_log(
                workspace=membership.workspace, text=options["text"], created_by=user
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        names = ", ".join(p.full_name for p in touchpoint.participants.all())
        self.stdout.write(
            f"Logged: {touchpoint.summary} ({touchpoint.get_channel_display()}) with {names}"
        )
