"""kontaktpflege import FILE [--format] [--workspace]: import contacts from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kontaktpflege.contacts.validation import check_phone_country
from kontaktpflege.dataio.management.commands._common import workspace_arg
from kontaktpflege.dataio.models import ImportFormat
from kontaktpflege.dataio.services import check_size, import_data


class Command(BaseCommand):
    help = "Import contacts (LinkedIn, Google, Outlook, vCard, Excel CSV, XLSX, CSV)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", default="auto", choices=ImportFormat.values)
        parser.add_argument("--workspace", default=None, help="Workspace id or name.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only.")
        parser.add_argument(
            "--phone-country",
            default="",
            help="ISO country (e.g. DE, US) of phone numbers without a country code; "
            "without it they are kept as written.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        workspace = workspace_arg(options["workspace"])
        try:
            check_size(path.stat().st_size)
            data = path.read_bytes()
            country = check_phone_country(options["phone_country"])
            if options["dry_run"]:
                self._preview(workspace, data, path.name, options["format"], country)
                return
            outcome = import_data(
                workspace=workspace,
                data=data,
                filename=path.name,
                fmt=options["format"],
                phone_country=country,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._report(outcome.counts, outcome.problems)

    def _preview(self, workspace: Any, data: bytes, name: str, fmt: str, country: str) -> None:
        from kontaktpflege.dataio.services import build_plan, parse_upload, plan_problems

        result = parse_upload(workspace=workspace, data=data, filename=name, fmt=fmt, mapping=None)
        plan, _index = build_plan(workspace=workspace, result=result, phone_country=country)
        self._report(plan.counts(), plan_problems(plan))

    def _report(self, counts: dict[str, int], problems: list[dict[str, Any]]) -> None:
        for item in problems:
            self.stdout.write(f"row {item['row']}: {'; '.join(item['problems'])}")
        summary = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(summary))
