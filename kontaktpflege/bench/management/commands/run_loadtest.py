"""`kontaktpflege loadtest`: locust against 4 web processes, beside a minimal Django view.

The bench data of the scale (generated once, as `kontaktpflege bench` does) is served by
`kontaktpflege serve --workers 4` on a free loopback port; locust runs headless for a fixed
time, first against Today, the people list, a search and the API (equal shares), then
against the minimal view /health/live/ of the same server. Figures: requests/s, p50, p95,
errors, and the machine's load average before and after (the machine may be shared).
"""

from __future__ import annotations

import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kontaktpflege.bench.generator import SCALES
from kontaktpflege.core.net import free_port

LOCUSTFILE = Path(__file__).resolve().parents[2] / "locustfile.py"
# The request names of locustfile.py per mode: each must have run, none may have failed.
EXPECTED = {
    "app": {"Today", "people list", "search", "API people"},
    "floor": {"minimal view"},
}


class Command(BaseCommand):
    help = "Load test (locust) of 4 web processes on loopback; PostgreSQL via KP_DATABASE_URL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="S", choices=sorted(SCALES))
        parser.add_argument("--seconds", type=int, default=30, help="Per run (app, floor).")
        parser.add_argument("--users", type=int, default=16, help="Concurrent locust users.")
        parser.add_argument("--web-workers", type=int, default=4)
        parser.add_argument("--output", default=str(settings.BASE_DIR / "bench-results"))

    def handle(self, *args: Any, **options: Any) -> None:
        from rich.console import Console

        from kontaktpflege.accounts.services import api_token_create
        from kontaktpflege.bench import runner

        console = Console(file=self.stdout, width=160)  # type: ignore[arg-type]
        workspace, user, _password = runner.prepare_database(
            scale=options["scale"], seed=1, out=console
        )
        _, token = api_token_create(user=user, workspace=workspace, name="loadtest")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "KP_DEBUG": "0"}
        serve = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("kontaktpflege")),
                "serve",
                "--port",
                str(port),
                "--workers",
                str(options["web_workers"]),
                "--no-worker",
                "--no-migrate",
            ],
            cwd=settings.BASE_DIR,
            env=env,
        )
        load_before = os.getloadavg()
        try:
            _wait(base, serve)
            session = _session_for(user)
            _warm_up(base, session, token, options["web_workers"])
            locust_env = {**env, "KP_LOAD_SESSION": session, "KP_LOAD_TOKEN": token}
            rows = []
            for mode in ("app", "floor"):
                rows += _locust(base, mode, options, locust_env)
        finally:
            serve.terminate()
            try:
                serve.wait(timeout=20)
            except subprocess.TimeoutExpired:
                serve.kill()
        meta = {
            "scale": options["scale"],
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "web_processes": options["web_workers"],
            "users": options["users"],
            "seconds": options["seconds"],
            "cpus": os.cpu_count(),
            "load_before": [round(x, 2) for x in load_before],
            "load_after": [round(x, 2) for x in os.getloadavg()],
            "machine": platform.platform(),
        }
        self._report(rows, meta, Path(options["output"]))
        errors = sum(row["failures"] for row in rows)
        ran = {(row["mode"], row["name"]) for row in rows if row["requests"]}
        missing = sorted(
            f"{name} ({mode})"
            for mode, names in EXPECTED.items()
            for name in names
            if (mode, name) not in ran
        )
        if errors or missing:
            raise CommandError(
                f"{errors} failed requests; never ran: {', '.join(missing) or 'none'}"
            )

    def _report(self, rows: list[dict[str, Any]], meta: dict[str, Any], out: Path) -> None:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"loadtest-{meta['database']}-{meta['scale']}.json"
        path.write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
        self.stdout.write(
            f"{meta['web_processes']} web processes, {meta['users']} users, "
            f"{meta['seconds']} s per run, {meta['database']}, scale {meta['scale']}; "
            f"load average before {meta['load_before']}, after {meta['load_after']} "
            f"({meta['cpus']} CPUs)"
        )
        self.stdout.write(f"{'request':<16}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
        for row in rows:
            self.stdout.write(
                f"{row['name']:<16}{row['rps']:>9.1f}{row['p50']:>9.0f}{row['p95']:>9.0f}"
                f"{row['failures']:>8}"
            )
        self.stdout.write(f"written to {path}")


def _session_for(user: Any) -> str:
    """A logged-in session (as `login()` makes one), without hashing a password per user."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


WARM_UP = ["/", "/people/", "/people/?q=M%C3%BCller", "/api/v1/people?limit=50", "/health/live/"]


def _warm_up(base: str, session: str, token: str, processes: int) -> None:
    """Every page a few times per web process before the timed runs (imports, templates)."""
    import urllib.request

    headers = {"Cookie": f"sessionid={session}", "Authorization": f"Bearer {token}"}
    for _ in range(processes * 3):
        for path in WARM_UP:
            request = urllib.request.Request(base + path, headers=headers)
            with urllib.request.urlopen(request, timeout=120) as response:
                if response.status != 200:
                    raise CommandError(f"{path} answered {response.status}")


def _wait(base: str, process: subprocess.Popen, timeout: float = 180) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CommandError(f"kontaktpflege serve exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/health/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise CommandError("the server did not answer")


def _locust(base: str, mode: str, options: dict[str, Any], env: dict[str, str]) -> list[dict]:
    """One headless locust run; its rows (one per request name, the login left out)."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "stats")
        users = options["users"]
        subprocess.run(
            [
                str(Path(sys.executable).with_name("locust")),
                "-f",
                str(LOCUSTFILE),
                "--headless",
                "--host",
                base,
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{options['seconds']}s",
                "--csv",
                prefix,
                "--only-summary",
                "--loglevel",
                "INFO",
                "--exit-code-on-error",
                "0",
            ],
            env={**env, "KP_LOAD_MODE": mode},
            check=True,
            timeout=options["seconds"] + 120,
        )
        with open(f"{prefix}_stats.csv", newline="") as stats:
            return [
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": _number(row["Requests/s"]),
                    "p50": _number(row["50%"]),
                    "p95": _number(row["95%"]),
                    "mode": mode,
                }
                for row in csv.DictReader(stats)
                if row["Name"] not in ("login", "Aggregated")
            ]


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:  # "N/A" when nothing was measured
        return 0.0
