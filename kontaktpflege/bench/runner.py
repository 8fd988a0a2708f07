"""The benchmark runner: prepare the bench database, serve the app, run every scenario.

It runs inside a process whose settings already point at the benchmark database (the
`run_bench` command starts that process); the app is served by granian in a subprocess
with the same environment and reached over HTTP on loopback.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import os
import secrets
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from rich.console import Console
from rich.table import Table

from kontaktpflege.accounts.models import User, Workspace
from kontaktpflege.bench.generator import generate
from kontaktpflege.bench.http import Session
from kontaktpflege.bench.registry import (
    SCENARIOS,
    BenchContext,
    Result,
    side_by_side_results,
)
from kontaktpflege.core.net import free_port

BENCH_USER = "bench"


def workspace_name(scale: str, seed: int) -> str:
    return f"bench-{scale}-{seed}"


def prepare_database(*, scale: str, seed: int, out: Console) -> tuple[Workspace, User, str]:
    """Migrate, generate the data once per scale (a marker in the workspace), log-in data."""
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # served as in production
    name = workspace_name(scale, seed)
    workspace = Workspace.objects.filter(name=name).first()
    if workspace is not None and not workspace.settings.get("bench_complete"):
        out.print(f"[yellow]Incomplete data for {name} found; generating again.[/yellow]")
        _wipe()
        workspace = None
    if workspace is None:
        workspace = _generate(scale=scale, seed=seed, name=name, out=out)
    else:
        out.print(f"Reusing generated data of {name}: {workspace.settings.get('bench_counts')}")
    user = User.objects.get(username=f"{BENCH_USER}-{scale}-{seed}")
    password = secrets.token_urlsafe(16)
    user.set_password(password)
    user.save(update_fields=["password"])
    vacuum(analyze=True)
    return workspace, user, password


def vacuum(*, analyze: bool = False, table: str = "") -> None:
    """On PostgreSQL, VACUUM the bench database: what autovacuum does for a used one.

    The CI server runs with autovacuum off, so rows written after the generator's ANALYZE
    (the follow-ups of the first recompute, the rolled-back runs of the recompute scenario)
    stay out of the visibility map: every index-only scan then fetched each row from the
    table (Today at M: 25k heap fetches), and the follow-ups had no statistics at all.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    command = "VACUUM (ANALYZE)" if analyze else "VACUUM"
    with connection.cursor() as cursor:
        cursor.execute(f"{command} {connection.ops.quote_name(table)}" if table else command)


def prepare_login_only(*, scale: str, seed: int, out: Console) -> tuple[Workspace, User, str]:
    """Migrate and a log-in user, without the contacts data: for runs of scenarios that
    bring their own data (registry.OWN_DATA), which reuse it from run to run themselves.

    The user and its workspace are apart from the generated contacts workspace, which this
    neither creates nor touches."""
    from kontaktpflege.accounts.services import user_create

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    username = f"{BENCH_USER}-login-{scale}-{seed}"
    password = secrets.token_urlsafe(16)
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            email=f"{username}@example.org",
            password=password,
            language="en",
            workspace_name=username,
        )
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    workspace = user.active_workspace
    assert workspace is not None
    out.print("Scenarios with their own data only: the contacts data is not generated.")
    return workspace, user, password


def _generate(*, scale: str, seed: int, name: str, out: Console) -> Workspace:
    from kontaktpflege.accounts.services import user_create
    from kontaktpflege.followups.services import followups_recompute_workspace

    with transaction.atomic():
        user = user_create(
            username=f"{BENCH_USER}-{scale}-{seed}",
            email=f"{BENCH_USER}-{scale}-{seed}@example.org",
            password=secrets.token_urlsafe(16),
            language="en",
            workspace_name=name,
            first_name="Bench",
        )
    workspace = user.active_workspace
    assert workspace is not None
    started = time.perf_counter()
    counts = generate(workspace=workspace, scale=scale, seed=seed)
    generated = time.perf_counter() - started
    counts["followups"] = followups_recompute_workspace(workspace=workspace)
    seconds = time.perf_counter() - started
    workspace.settings = {
        "bench_complete": True,
        "bench_counts": counts,
        "bench_seconds": seconds,
        "bench_generate_seconds": generated,
        "bench_load": os.getloadavg()[0],  # the generator's figure is read beside it
    }
    workspace.save(update_fields=["settings"])
    out.print(f"Generated {name} in {seconds:.1f} s ({generated:.1f} s rows): {counts}")
    return workspace


def _wipe() -> None:
    call_command("flush", interactive=False, verbosity=0)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM contacts_person_fts")


@contextlib.contextmanager
def serve(*, timeout: float = 180, env: dict[str, str] | None = None) -> Iterator[str]:
    """granian with one worker on a free loopback port; yields the base URL once it answers.

    The wait is long because a machine shared with other work can take a minute to start it.
    """
    port = free_port()
    granian = Path(sys.executable).with_name("granian")
    cmd = [str(granian), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--workers", "1", "--blocking-threads", "1", "--log-level", "warning"]
    cmd += ["config.wsgi:application"]
    env = {**(os.environ if env is None else env), "DJANGO_SETTINGS_MODULE": "config.settings"}
    process = subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(base_url, process, timeout)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(base_url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        session = Session(base_url, timeout=2)
        try:
            if session.get("/login/").status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            session.close()
    raise RuntimeError(f"the server did not answer within {timeout:.0f} s")


def load_scenarios() -> None:
    """Import kontaktpflege/bench/scenarios.py and `<app>.bench` of every project app."""
    importlib.import_module("kontaktpflege.bench.scenarios")
    for app in apps.get_app_configs():
        if not app.name.startswith("kontaktpflege."):
            continue
        module = f"{app.name}.bench"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


def run_scenarios(
    ctx: BenchContext, *, only: list[str] | None = None, out: Console
) -> list[dict[str, Any]]:
    """Run every scenario valid for the scale; a failing one is reported, not fatal."""
    rows: list[dict[str, Any]] = []
    for name, (fn, scales) in sorted(SCENARIOS.items()):
        if ctx.scale not in scales and ctx.scale != "XS":
            continue
        if only and name not in only:
            continue
        out.print(f"running [bold]{name}[/bold] …")
        vacuum()  # what the scenarios before this one wrote, as autovacuum would
        ctx.side_by_side = []
        try:
            results = fn(ctx)
            if ctx.side_by_side:
                results += side_by_side_results(name, ctx.side_by_side, ctx.against_url)
        except Exception as exc:  # one broken scenario must not hide the others
            out.print(f"[red]{name} failed:[/red] {exc}\n{traceback.format_exc()}")
            results = [Result(name=name, figure=math.nan, unit="", note=f"failed: {exc}")]
            rows.append({"scenario": name, "error": str(exc), **_result_dict(results[0])})
            continue
        rows.extend({"scenario": name, **_result_dict(r)} for r in results)
    return rows


def _result_dict(result: Result) -> dict[str, Any]:
    return {
        "name": result.name,
        "figure": result.figure,
        "unit": result.unit,
        "floor": result.floor,
        "floor_label": result.floor_label,
        "target": result.target,
        "note": result.note,
        "against": result.against,
    }


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:,.1f}" if value < 1000 else f"{value:,.0f}"


def render_table(rows: list[dict[str, Any]], *, title: str) -> Table:
    """The figures beside their floors, as a rich table."""
    table = Table(title=title)
    for column, justify in (
        ("scenario", "left"),
        ("figure", "left"),
        ("value", "right"),
        ("unit", "left"),
        ("floor", "right"),
        ("floor label", "left"),
        ("target", "left"),
        ("note", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row["scenario"],
            row["name"],
            _number(row["figure"]),
            row["unit"],
            _number(row["floor"]),
            row["floor_label"],
            row["target"],
            row["note"],
        )
    return table


def database_version() -> str:
    """ "SQLite 3.46.1" or "PostgreSQL 17.2": the server the figures come from."""
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (version,) = cursor.fetchone()
    return f"PostgreSQL {version.split()[0]}"


def host_facts() -> dict[str, Any]:
    """Cores and memory of the machine (Linux: /proc/meminfo) and its CPU gauge."""
    ram_gb: float | None = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    return {"cores": os.cpu_count(), "ram_gb": ram_gb, "gauge_ms": cpu_gauge()}


def cpu_gauge(runs: int = 5) -> float:
    """Milliseconds of a fixed pure-Python workload, the best of `runs`: one core's speed.

    Runs merged into one report can come from different machines (or the same machine on a
    slower day); the gauge beside each run says how fast its machine was."""
    best = math.inf
    for _ in range(runs):
        start = time.perf_counter()
        total = 0
        for n in range(300_000):
            total += n * n % 7
        best = min(best, time.perf_counter() - start)
    return round(best * 1000, 1)


# What each run of a merged report keeps of its own: when, under which load, on which machine.
_RUN_FACTS = (
    "started",
    "finished",
    "load_start",
    "load_end",
    "repeat",
    "machine",
    "python",
    "host",
)


def run_part(rows: list[dict[str, Any]], meta: dict[str, Any]) -> dict[str, Any]:
    """Which scenarios one run measured, when, and under which load."""
    ran = list(dict.fromkeys(str(row.get("scenario")) for row in rows))
    return {"scenarios": ran, **{k: meta.get(k) for k in _RUN_FACTS}}


def merge_earlier(
    path: Path, rows: list[dict[str, Any]], meta: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A run of some scenarios (`--only`) merged into the file's earlier run of the same scale
    and database: its rows replace those of the scenarios it ran, the others stay, and
    `parts` says when and under which load each scenario was measured."""
    part = run_part(rows, meta)
    ran = part["scenarios"]
    try:
        earlier = json.loads(path.read_text())
    except (OSError, ValueError):
        earlier = None
    same = isinstance(earlier, dict) and all(
        earlier.get(k) == meta.get(k) for k in ("scale", "vendor", "seed")
    )
    if not same:
        return rows, {**meta, "parts": [part]}
    assert isinstance(earlier, dict)
    kept = [r for r in earlier.get("results", []) if r.get("scenario") not in ran]
    parts = earlier.get("parts") or [
        {
            "scenarios": list(dict.fromkeys(str(r.get("scenario")) for r in kept)),
            **{k: earlier.get(k) for k in _RUN_FACTS},
        }
    ]
    parts = [{**p, "scenarios": [n for n in p["scenarios"] if n not in ran]} for p in parts]
    parts = [p for p in parts if p["scenarios"]] + [part]
    started = min(str(p.get("started") or "") for p in parts)
    return kept + rows, {**meta, "started": started, "parts": parts}


def write_json(path: Path, rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    """docs/bench-results/<scale>-<database>.json: the rows, where and how they were measured."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = [
        {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        for row in rows
    ]
    path.write_text(json.dumps({**meta, "results": clean}, indent=2, ensure_ascii=False) + "\n")
