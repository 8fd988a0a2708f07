"""kontaktpflege import FILE [--format] [--workspace] [--map | --map-file] [--user]
[--language]: import contacts from a file, in the user's language."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.validation import check_phone_country
from kontaktpflege.dataio.importers.base import SETTERS
from kontaktpflege.dataio.management.commands._common import workspace_arg
from kontaktpflege.dataio.models import ImportFormat
from kontaktpflege.dataio.services import (
    build_plan,
    check_size,
    import_data,
    parse_upload,
    plan_problems,
    rows_with_warnings,
)

NOT_IMPORTED = ("invalid", "failed", "cancelled")


def parse_mapping(text: str) -> dict[str, str]:
    """`first_name=0,last_name=1` (or one pair a line, or a JSON object {"first_name": 0})
    → column index → field, as the web mapping screen stores it. Columns count from 0."""
    text = text.strip()
    if text.startswith("{"):
        try:
            pairs = [(str(k), str(v)) for k, v in json.loads(text).items()]
        except (ValueError, AttributeError) as exc:
            raise CommandError(_("The mapping file is not a JSON object.")) from exc
    else:
        pairs = []
        for item in (p for p in text.replace("\n", ",").split(",") if p.strip()):
            field, _sep, column = item.partition("=")
            pairs.append((field.strip(), column.strip()))
    mapping: dict[str, str] = {}
    for field, column in pairs:
        if field not in SETTERS:
            raise CommandError(
                _("Unknown field “%(f)s” in the mapping; known fields: %(known)s.")
                % {"f": field, "known": ", ".join(SETTERS)}
            )
        if not column.isdigit():
            raise CommandError(
                _("“%(f)s=%(c)s”: a column is its number, counted from 0.")
                % {"f": field, "c": column}
            )
        mapping[str(int(column))] = field
    return mapping


class Command(BaseCommand):
    help = "Import contacts (LinkedIn, Google, Outlook, vCard, Excel CSV, XLSX, CSV)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--format", default="auto", choices=ImportFormat.values)
        parser.add_argument("--workspace", default=None, help="Workspace id or name.")
        parser.add_argument("--dry-run", action="store_true", help="Preview only.")
        parser.add_argument(
            "--map",
            default=None,
            help="Columns by number from 0, e.g. first_name=0,last_name=1,organisation=3.",
        )
        parser.add_argument(
            "--map-file", default=None, help="A file with the --map pairs (or a JSON object)."
        )
        parser.add_argument("--user", default=None, help="Username of the importing user.")
        parser.add_argument(
            "--language",
            default=None,
            choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the messages (default: the user's, else the site's).",
        )
        parser.add_argument(
            "--phone-country",
            default="",
            help="ISO country (e.g. DE, US) of phone numbers without a country code; "
            "without it they are kept as written.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = self._user(options["user"])
        # Without --language or --user: the active language, which for a command is the
        # site's (LANGUAGE_CODE), as for every other management command.
        active = translation.get_language() or settings.LANGUAGE_CODE
        language = options["language"] or (user.language if user else active)
        with translation.override(language):
            self._import(user, options)

    def _user(self, username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _import(self, user: User | None, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        mapping = self._mapping(options)
        workspace = workspace_arg(options["workspace"])
        try:
            check_size(path.stat().st_size)
            data = path.read_bytes()
            country = check_phone_country(options["phone_country"])
            if options["dry_run"]:
                self._preview(workspace, data, path.name, options["format"], mapping, country)
                return
            outcome = import_data(
                workspace=workspace,
                data=data,
                filename=path.name,
                fmt=options["format"],
                mapping=mapping,
                user=user,
                phone_country=country,
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self._report(outcome.counts, outcome.problems, done=True)

    def _mapping(self, options: dict[str, Any]) -> dict[str, str] | None:
        if options["map_file"]:
            try:
                return parse_mapping(Path(options["map_file"]).read_text(encoding="utf-8"))
            except OSError as exc:
                raise CommandError(
                    _("The mapping file cannot be read: %(e)s") % {"e": exc}
                ) from exc
        return parse_mapping(options["map"]) if options["map"] else None

    def _preview(
        self,
        workspace: Any,
        data: bytes,
        name: str,
        fmt: str,
        mapping: dict[str, str] | None,
        country: str,
    ) -> None:
        result = parse_upload(
            workspace=workspace, data=data, filename=name, fmt=fmt, mapping=mapping
        )
        if result.needs_mapping:
            raise ValidationError(_("Which column holds the names? Choose a column mapping first."))
        plan, _index = build_plan(workspace=workspace, result=result, phone_country=country)
        counts = {**plan.counts(), "with_warnings": rows_with_warnings(plan)}
        self._report(counts, plan_problems(plan), done=False)

    def _report(
        self, counts: dict[str, int], problems: list[dict[str, Any]], *, done: bool
    ) -> None:
        labels = {
            "invalid": _("Not imported:"),
            "failed": _("Not imported:"),
            "cancelled": _("Not imported:"),
            "warning": _("Imported with warnings:"),
        }
        for item in problems:
            label = labels.get(item["kind"], "")
            text = " ".join(item["problems"])
            self.stdout.write(
                _("Row %(row)s: %(text)s")
                % {"row": item["row"], "text": f"{label} {text}" if label else text}
            )
        self._rows_line([p["row"] for p in problems if p["kind"] == "warning"], "warnings", done)
        self._rows_line([p["row"] for p in problems if p["kind"] in NOT_IMPORTED], "not", done)
        names = {
            "new": _("New"),
            "updated": _("Updated"),
            "duplicate": _("Already there"),
            "invalid": _("Invalid"),
            "possible_duplicate": _("Possible duplicates"),
            "not_imported": _("Not imported (cancelled)"),
            "with_warnings": _("With warnings"),
        }
        summary = ", ".join(f"{names.get(k, k)}: {v}" for k, v in counts.items())
        self.stdout.write(self.style.SUCCESS(summary))

    def _rows_line(self, rows: list[int], which: str, done: bool) -> None:
        if not rows:
            return
        values = {"rows": ", ".join(str(r) for r in rows)}
        if which == "warnings" and done:
            text = ngettext(
                "Imported with warnings: row %(rows)s.",
                "Imported with warnings: rows %(rows)s.",
                len(rows),
            )
        elif which == "warnings":
            text = ngettext(
                "Will be imported with warnings: row %(rows)s.",
                "Will be imported with warnings: rows %(rows)s.",
                len(rows),
            )
        elif done:
            text = ngettext(
                "Not imported: row %(rows)s.", "Not imported: rows %(rows)s.", len(rows)
            )
        else:
            text = ngettext(
                "Will not be imported: row %(rows)s.",
                "Will not be imported: rows %(rows)s.",
                len(rows),
            )
        self.stdout.write(text % values)
