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
    help = "Serve Kontaktpflege over HTTP (granian, WSGI) with a background worker."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1)
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start a background worker next to the web server (run one yourself).",
        )

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
        worker = None
        if not options["no_worker"]:
            # One machine, one command: sending, digests and imports need a worker.
            kp = os.path.join(os.path.dirname(sys.executable), "kontaktpflege")
            worker = subprocess.Popen([kp, "worker"])
            self.stdout.write(f"Background worker started (PID {worker.pid})")
        try:
            with contextlib.suppress(KeyboardInterrupt):
                subprocess.run(cmd, check=False)
        finally:
            if worker is not None:
                worker.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    worker.wait(timeout=10)
