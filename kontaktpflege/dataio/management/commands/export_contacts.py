"""kontaktpflege export [--format csv|xlsx|vcard|vcard3] [--workspace] [--q …] [-o FILE]."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from kontaktpflege.contacts.selectors import PersonFilters, person_list
from kontaktpflege.dataio import exporters
from kontaktpflege.dataio.management.commands._common import workspace_arg


class Command(BaseCommand):
    help = "Export people (optionally filtered) as CSV, XLSX or vCard."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--format", default="csv", choices=["csv", "xlsx", "vcard", "vcard3"])
        parser.add_argument("--workspace", default=None)
        parser.add_argument("--q", default="", help="Search like the people list.")
        parser.add_argument("--circle", default="")
        parser.add_argument("-o", "--output", default="-")

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = workspace_arg(options["workspace"])
        filters = PersonFilters(q=options["q"], circle=options["circle"])
        people = exporters.people_for_export(person_list(workspace=workspace, filters=filters))
        fmt = options["format"]
        if fmt == "xlsx":
            data = exporters.export_xlsx(people)
        elif fmt == "csv":
            data = "".join(exporters.export_csv(people)).encode()
        else:
            version = "3.0" if fmt == "vcard3" else "4.0"
            data = "".join(exporters.export_vcard(people, version)).encode()
        if options["output"] == "-":
            sys.stdout.buffer.write(data)
        else:
            with open(options["output"], "wb") as handle:
                handle.write(data)
