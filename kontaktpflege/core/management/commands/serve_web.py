"""Serve the web app with granian (WSGI), static files through whitenoise, and a worker."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

BACKOFF_FIRST = 1.0  # seconds before restarting a worker that died …
BACKOFF_MAX = 60.0  # … doubling while it keeps dying young, at most this
MIN_UPTIME = 30.0  # a worker that ran this long died of something new: restart quickly


def describe_exit(returncode: int) -> str:
    """'exited with code 1' or 'was killed by signal SIGKILL'."""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = str(-returncode)
        return f"was killed by signal {name}"
    return f"exited with code {returncode}"


class WorkerSupervisor:
    """Keeps one worker process running: restarts it when it dies, with backoff, and says why.

    `check(now)` is called periodically by the serving loop; it never blocks. A worker that
    dies within MIN_UPTIME of its start doubles the pause before the next start (1, 2, 4 …
    60 s), so a worker that cannot start (a broken setting, a missing table) does not spin.
    """

    def __init__(self, command: list[str], note: Callable[[str], object]) -> None:
        self.command = command
        self.note = note
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restart_at = 0.0
        self.quick_deaths = 0

    def check(self, now: float) -> None:
        """Start the worker when it is due; notice when it died and schedule its restart."""
        if self.process is None:
            if now >= self.restart_at:
                self.process = subprocess.Popen(self.command)
                self.started_at = now
                self.note(f"Background worker started (PID {self.process.pid})")
            return
        returncode = self.process.poll()
        if returncode is None:
            return
        uptime = now - self.started_at
        self.quick_deaths = self.quick_deaths + 1 if uptime < MIN_UPTIME else 0
        delay = min(BACKOFF_FIRST * 2 ** max(self.quick_deaths - 1, 0), BACKOFF_MAX)
        self.note(
            f"Background worker (PID {self.process.pid}) {describe_exit(returncode)} "
            f"after {uptime:.0f} s; restarting it in {delay:.0f} s"
        )
        self.process = None
        self.restart_at = now + delay

    def stop(self) -> None:
        """Ask the worker to finish its task and stop; kill it when it does not within 10 s."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # a process manager's stop ends web server and worker cleanly


class Command(BaseCommand):
    help = "Serve Kontaktpflege over HTTP (granian, WSGI) with a supervised background worker."

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
        self.stdout.flush()
        bin_dir = os.path.dirname(sys.executable)
        web = subprocess.Popen([os.path.join(bin_dir, "granian"), *self._granian_args(options)])
        supervisor = None
        if not options["no_worker"]:
            # One machine, one command: sending, digests and imports need a worker.
            supervisor = WorkerSupervisor(
                [os.path.join(bin_dir, "kontaktpflege"), "worker"], self._note
            )
        signal.signal(signal.SIGTERM, _stop_on_sigterm)
        try:
            while web.poll() is None:
                if supervisor is not None:
                    supervisor.check(time.monotonic())
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            if web.poll() is None:
                web.terminate()
                try:
                    web.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    web.kill()
            if supervisor is not None:
                supervisor.stop()

    def _note(self, text: str) -> None:
        self.stderr.write(text)
        self.stderr.flush()

    @staticmethod
    def _granian_args(options: dict[str, Any]) -> list[str]:
        return [
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
