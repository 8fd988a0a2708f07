"""The `kontaktpflege` console script: short names for the project's management commands."""

from __future__ import annotations

import os
import sys

# CLI name -> management command (commands are named verb_noun).
ALIASES = {
    "serve": "serve_web",
    "worker": "run_worker",
    "demo": "load_demo",
    "createuser": "create_user",
    "bench": "run_bench",
    "bench-report": "report_bench",
    "today": "show_today",
    "log": "log_touchpoint",
    "recompute": "recompute_followups",
    "import": "import_contacts",
    "export": "export_contacts",
    "backup": "backup_workspace",
    "restore": "restore_workspace",
    "send": "send_outbox",
    "applications": "list_applications",
    "audit": "inspect_audit",
    "loadtest": "run_loadtest",
    "openings": "list_openings",
    "pools": "list_pools",
    "retention": "run_retention",
}


def main(argv: list[str] | None = None) -> None:
    """Run a command: `kontaktpflege serve`, `kontaktpflege demo --scale S`, …"""
    args = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(args) > 1:
        args[1] = ALIASES.get(args[1], args[1])
    args[0] = "kontaktpflege"
    from django.core.management import execute_from_command_line

    execute_from_command_line(args)


if __name__ == "__main__":
    main()
