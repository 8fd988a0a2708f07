"""Serve the web app with granian (WSGI), static files through whitenoise."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Kontaktpflege over HTTP (granian, WSGI)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"Serving on http://{options['host']}:{options['port']}/ (Ctrl+C stops)")
        granian = os.path.join(os.path.dirname(sys.executable), "granian")
        cmd = [
            granian,
            "--interface",
            "wsgi",
            "--host",
            options["host"],
            "--port",
            str(options["port"]),
            "--workers",
            str(options["workers"]),
            "--blocking-threads",
            "1",
            "config.wsgi:application",
        ]
        with contextlib.suppress(KeyboardInterrupt):
            subprocess.run(cmd, check=False)
