"""kontaktpflege restore FILE: restore a JSON backup into an empty instance."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kontaktpflege.dataio.backup import restore_workspace


class Command(BaseCommand):
    help = "Restore a backup written by `kontaktpflege backup` into an empty instance."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["file"], encoding="utf-8") as handle:
                data = json.load(handle)
            workspace = restore_workspace(data=data)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read the backup: {exc}") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Restored workspace {workspace.name!r}."))
