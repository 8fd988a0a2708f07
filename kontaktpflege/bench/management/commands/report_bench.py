"""`kontaktpflege bench-report`: docs/benchmarks.md from the bench's JSON files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kontaktpflege.bench.report import write_report


class Command(BaseCommand):
    help = "Render bench JSON files (default: docs/bench-results/*.json) into a Markdown report."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="JSON files written by `kontaktpflege bench`")
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs" / "benchmarks.md"))

    def handle(self, *args: Any, **options: Any) -> None:
        files = [Path(f) for f in options["files"]]
        files = files or sorted((settings.BASE_DIR / "docs" / "bench-results").glob("*.json"))
        missing = [str(f) for f in files if not f.is_file()]
        if missing or not files:
            raise CommandError(f"no bench results to report: {', '.join(missing) or 'none'}")
        n = write_report(Path(options["output"]), files)
        self.stdout.write(f"Report of {n} run(s) written to {options['output']}")
