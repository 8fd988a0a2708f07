"""`kontaktpflege bench`: every benchmark scenario beside its floor, on a separate database."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from rich.console import Console

from kontaktpflege.bench import report, runner
from kontaktpflege.bench.generator import SCALES
from kontaktpflege.bench.http import Session
from kontaktpflege.bench.registry import OWN_DATA, BenchContext


class Command(BaseCommand):
    help = "Run the benchmarks against generated data (SQLite file or KP_BENCH_DATABASE_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", default="S", choices=sorted(SCALES))
        parser.add_argument("--only", default="", help="Comma-separated scenario names.")
        parser.add_argument("--repeat", type=int, default=50, help="Timed runs per figure.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--sqlite", default="", help="Bench SQLite file (overrides URLs).")
        # Committed beside the report: a scale that is not run again keeps its last figures.
        parser.add_argument(
            "--output-dir", default=str(settings.BASE_DIR / "docs" / "bench-results")
        )
        parser.add_argument(
            "--report",
            default="",
            help="After the run, render every JSON file of the output dir into this Markdown "
            "file (e.g. docs/benchmarks.md).",
        )
        parser.add_argument(
            "--against",
            default="",
            help="Base URL of a second server (e.g. another build serving the same bench "
            "database): HTTP scenarios alternate their requests between both and report both "
            "and the ratio. It is logged in with the bench user's name and password.",
        )
        parser.add_argument("--child", action="store_true", help="(internal)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["child"]:
            self._spawn(options)
            return
        console = Console(file=self.stdout, width=160)  # type: ignore[arg-type]
        failed = _run(options, console)
        if failed:
            raise CommandError(f"{failed} scenario(s) failed")

    def _spawn(self, options: dict[str, Any]) -> None:
        """Run the benchmark in a process whose settings point at the bench database."""
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "KP_DEBUG": "0"}
        url = os.environ.get("KP_BENCH_DATABASE_URL") or os.environ.get("KP_DATABASE_URL", "")
        if options["sqlite"] or not url:
            path = options["sqlite"] or str(
                settings.BASE_DIR / "var" / f"bench-{options['scale']}.sqlite3"
            )
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            env["KP_SQLITE_PATH"] = path
            env.pop("KP_DATABASE_URL", None)
        else:
            env["KP_DATABASE_URL"] = url
        cmd = [sys.executable, "-m", "django", "run_bench", "--child"]
        for name in ("scale", "only", "repeat", "seed", "output_dir", "against"):
            cmd += [f"--{name.replace('_', '-')}", str(options[name])]
        self.stdout.flush()
        result = subprocess.run(cmd, cwd=settings.BASE_DIR, env=env, check=False)
        if result.returncode:
            raise CommandError(f"the benchmark run failed ({result.returncode})")
        if options["report"]:
            files = sorted(Path(options["output_dir"]).glob("*.json"))
            n = report.write_report(Path(options["report"]), files)
            self.stdout.write(f"Report of {n} run(s) written to {options['report']}")


def _run(options: dict[str, Any], console: Console) -> int:
    scale = options["scale"]
    started, load_start = _now(), round(os.getloadavg()[0], 2)
    runner.load_scenarios()
    only = [n.strip() for n in options["only"].split(",") if n.strip()] or None
    prepare = runner.prepare_database
    if only and all(name in OWN_DATA for name in only):
        prepare = runner.prepare_login_only  # their data is theirs: no contacts data needed
    workspace, user, password = prepare(scale=scale, seed=options["seed"], out=console)
    with runner.serve() as base_url:
        session = Session(base_url)
        session.login(user.username, password)
        ctx = BenchContext(
            scale=scale,
            workspace=workspace,
            user=user,
            base_url=base_url,
            http=session,
            repeat=max(1, options["repeat"]),
        )
        if options["against"]:
            ctx.against_url = options["against"].rstrip("/")
            ctx.against = Session(ctx.against_url)
            ctx.against.login(user.username, password)
        rows = runner.run_scenarios(ctx, only=only, out=console)
        session.close()
        if ctx.against is not None:
            ctx.against.close()
    database = f"{connection.vendor} {connection.settings_dict['NAME']}"
    console.print(runner.render_table(rows, title=f"Kontaktpflege bench, scale {scale}"))
    meta = {
        "scale": scale,
        "seed": options["seed"],
        "repeat": options["repeat"],
        "database": database,
        "vendor": connection.vendor,
        "database_version": runner.database_version(),
        "python": platform.python_version(),
        "machine": platform.platform(),
        "host": runner.host_facts(),
        "started": started,
        "finished": _now(),
        "load_start": load_start,
        "load_end": round(os.getloadavg()[0], 2),
        "counts": workspace.settings.get("bench_counts", {}),
        "against": options["against"],
    }
    path = Path(options["output_dir"]) / f"{scale}-{connection.vendor}.json"
    if only:  # some scenarios: the others keep their last figures
        rows, meta = runner.merge_earlier(path, rows, meta)
    else:
        meta["parts"] = [runner.run_part(rows, meta)]
    runner.write_json(path, rows, meta)
    console.print(f"Results written to {path}")
    return sum(1 for row in rows if row.get("error"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
