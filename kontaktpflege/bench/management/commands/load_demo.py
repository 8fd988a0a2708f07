"""`kontaktpflege demo`: a demo user with a generated network to try the app with."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.urls import reverse
from rich.console import Console
from rich.panel import Panel

from kontaktpflege.accounts.models import Membership, User, Workspace
from kontaktpflege.accounts.services import user_create
from kontaktpflege.bench.generator import SCALES, generate
from kontaktpflege.bench.recruiting_demo import create_recruiting_workspace
from kontaktpflege.followups.services import followups_recompute_workspace

USERNAME = "demo"


class Command(BaseCommand):
    """Without options an existing demo user is replaced; `--if-empty` keeps it (data and
    password, so a changed or saved password keeps working); `--reset-password` gives it a
    new password, prints it and keeps the data.
    """

    help = "Create the demo user with generated data and print how to log in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="S", choices=sorted(SCALES))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--language",
            default="de",
            choices=["de", "en"],
            help="The demo user's language, and so that of its generated notes.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Keep an existing demo user as it is (data and password).",
        )
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Give an existing demo user a new password (its data is kept) and print it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout, highlight=False)  # type: ignore[arg-type]
        new_password = secrets.token_urlsafe(12)
        password: str | None = new_password  # printed unless None
        user = User.objects.filter(username=USERNAME).first()
        if user is not None and options["reset_password"]:
            user.set_password(new_password)
            user.save(update_fields=["password"])
            note = "The demo user exists; its data was kept and it has a new password."
        elif user is not None and options["if_empty"]:
            password = None  # a password the user changed or saved keeps working
            note = (
                "The demo user exists; its data and password were kept.\n"
                "Forgot the password? Run [bold]kontaktpflege demo --reset-password[/bold]"
            )
        else:
            if user is not None:
                _delete_demo(user)
            counts = self._create(
                new_password, options["scale"], options["seed"], options["language"]
            )
            note = (
                f"Generated {counts['people']:,} people and {counts['touchpoints']:,} touchpoints,"
                f'\nand the workspace "Talent-Team (Demo)" with {counts["openings"]} openings'
                f" and {counts['candidacies']} candidacies ({counts['finalists']} finalists)."
                "\nSwitch workspaces in the settings."
            )
        login = settings.SITE_URL.rstrip("/") + reverse("login")
        credentials = f"username: [bold]{USERNAME}[/bold]"
        if password is not None:
            credentials += f"\npassword: [bold]{password}[/bold]"
        console.print(
            Panel.fit(
                f"{note}\n\nLog in at [bold]{login}[/bold]\n{credentials}",
                title="Kontaktpflege demo",
            )
        )

    @transaction.atomic
    def _create(self, password: str, scale: str, seed: int, language: str) -> dict[str, int]:
        user = user_create(
            username=USERNAME,
            email="demo@example.org",
            password=password,
            first_name="Demo",
            language=language,
            workspace_name="Demo",
        )
        assert user.active_workspace is not None
        counts = generate(workspace=user.active_workspace, scale=scale, seed=seed)
        # Generated rows bypass the services, so the agenda is computed once afterwards.
        counts["followups"] = followups_recompute_workspace(workspace=user.active_workspace)
        counts.update(create_recruiting_workspace(user=user, seed=seed))
        return counts


@transaction.atomic
def _delete_demo(user: User) -> None:
    """Remove the demo user and the workspaces it owned alone."""
    owned = list(
        Membership.objects.filter(user=user, role="owner").values_list("workspace_id", flat=True)
    )
    user.delete()
    Workspace.objects.filter(pk__in=owned, memberships__isnull=True).delete()
