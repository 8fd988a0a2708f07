"""`kontaktpflege log "Coffee with Thomas – design" --user alice`: the quick log from a shell."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from kontaktpflege.accounts.models import User
from kontaktpflege.accounts.selectors import default_membership
from kontaktpflege.contacts.models import Person
from kontaktpflege.touchpoints.services import UnknownPeople, quick_log


class Command(BaseCommand):
    help = "Log a touchpoint from one line, e.g. “Coffee with Thomas – design thinking”."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", help="What happened, naming the people.")
        parser.add_argument("--user", required=True, help="Username whose network it is.")
        parser.add_argument(
            "--create",
            action="store_true",
            help="Create people nobody is called yet (met today: the 72-hour rule applies).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user “{options['user']}”.")
        membership = default_membership(user)
        if membership is None or not membership.can_write:
            raise CommandError(f"{user.username} may not log touchpoints in a workspace.")
        translation.activate(user.language)
        before = set(Person.objects.filter(workspace=membership.workspace).values_list("pk"))
        try:
            touchpoint = quick_log(
                workspace=membership.workspace,
                text=options["text"],
                created_by=user,
                create_missing=options["create"],
            )
        except UnknownPeople as exc:
            hint = _("Run again with --create to add %(names)s.") % {"names": ", ".join(exc.names)}
            raise CommandError(" ".join([*exc.messages, hint])) from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        people = list(touchpoint.participants.all())
        created = [p.full_name for p in people if (p.pk,) not in before]
        if created:
            self.stdout.write(_("Created: %(names)s") % {"names": ", ".join(created)})
        self.stdout.write(
            _("Logged: %(summary)s (%(channel)s) with %(names)s")
            % {
                "summary": touchpoint.summary,
                "channel": touchpoint.get_channel_display(),
                "names": ", ".join(p.full_name for p in people),
            }
        )
