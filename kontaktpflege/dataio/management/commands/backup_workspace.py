"""kontaktpflege backup [--workspace] [-o FILE]: a full JSON backup of a workspace."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from kontaktpflege.dataio.backup import backup_chunks
from kontaktpflege.dataio.management.commands._common import workspace_arg


class Command(BaseCommand):
    help = "Write a full JSON backup of a workspace (restore it with `kontaktpflege restore`)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--workspace", default=None)
        parser.add_argument("-o", "--output", default="-")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = workspace_arg(options["workspace"])
        text = "".join(backup_chunks(workspace=workspace))
        if options["output"] == "-":
            sys.stdout.write(text)
        else:
            with open(options["output"], "w", encoding="utf-8") as handle:
                handle.write(text)
