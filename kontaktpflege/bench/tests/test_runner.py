"""The benchmark runner: a smoke test at scale XS, plus its table and JSON output."""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection
from rich.console import Console

from kontaktpflege.bench import report, runner
from kontaktpflege.bench.registry import SCENARIOS, BenchContext, Result, scenario
from kontaktpflege.contacts.models import Person


def test_the_table_and_json_put_each_figure_beside_its_floor(tmp_path):
    rows = [
        {"scenario": "s", **runner._result_dict(Result("a p95", 12.345, "ms", 1.5, "SQL", "< 15"))},
        {"scenario": "t", **runner._result_dict(Result("b", math.nan, "", note="failed: x"))},
    ]
    console = Console(record=True, width=200)
    console.print(runner.render_table(rows, title="T"))
    text = console.export_text()
    assert "a p95" in text and "12.3" in text and "1.5" in text and "< 15" in text
    path = tmp_path / "out" / "XS.json"
    runner.write_json(path, rows, {"scale": "XS"})
    data = json.loads(path.read_text())
    assert data["scale"] == "XS"
    assert data["results"][0]["floor"] == 1.5
    assert data["results"][1]["figure"] is None


@pytest.mark.django_db  # the runner VACUUMs before each scenario on PostgreSQL
def test_a_failing_scenario_is_reported_and_the_others_still_run():
    @scenario("zz broken", scales=("XS",))
    def broken(ctx):
        raise RuntimeError("boom")

    @scenario("zz fine", scales=("XS",))
    def fine(ctx):
        return [Result("ok", 1.0, "ms")]

    try:
        ctx = BenchContext(scale="XS", workspace=None, user=None)
        rows = runner.run_scenarios(
            ctx, only=["zz broken", "zz fine"], out=Console(file=io.StringIO())
        )
    finally:
        SCENARIOS.pop("zz broken")
        SCENARIOS.pop("zz fine")
    assert [r["scenario"] for r in rows] == ["zz broken", "zz fine"]
    assert rows[0]["error"] == "boom"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="VACUUM and the visibility map")
@pytest.mark.django_db(transaction=True)
def test_each_scenario_finds_the_rows_written_before_it_vacuumed_as_autovacuum_would(workspace):
    """The CI server runs without autovacuum: the runner's VACUUM puts what earlier
    scenarios wrote into the visibility map, so index-only scans need not visit the table."""
    Person.objects.bulk_create(
        Person(workspace=workspace, first_name=f"P{n}", last_name="Vacuum") for n in range(500)
    )
    seen: list[tuple[int, int]] = []

    @scenario("zz pages", scales=("XS",))
    def pages(ctx):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'contacts_person'"
            )
            seen.append(cursor.fetchone())
        return [Result("pages", 1.0, "ms")]

    try:
        ctx = BenchContext(scale="XS", workspace=workspace, user=None)
        runner.run_scenarios(ctx, only=["zz pages"], out=Console(file=io.StringIO()))
    finally:
        SCENARIOS.pop("zz pages")
    ((pages_, visible),) = seen
    assert pages_ > 0 and visible == pages_


def scenarios_of_this_issue() -> set[str]:
    return {
        "people search",
        "people list",
        "people list page 1",
        "people list deep page",
        "organisations list",
        "person page",
        "quick log",
    }


def test_the_bench_command_runs_end_to_end_at_xs(tmp_path):
    """Migrate a fresh SQLite file, generate, serve with granian, run over HTTP, report."""
    out_dir = tmp_path / "results"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("KP_DATABASE_URL", None)
    cmd = [sys.executable, "-m", "django", "run_bench", "--scale", "XS", "--repeat", "2"]
    cmd += ["--sqlite", str(tmp_path / "bench.sqlite3"), "--output-dir", str(out_dir)]
    report = tmp_path / "benchmarks.md"
    done = subprocess.run(
        [*cmd, "--report", str(report)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a timing target: a loaded machine takes minutes
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Kontaktpflege bench, scale XS" in done.stdout
    data = json.loads((out_dir / "XS-sqlite.json").read_text())
    assert data["database_version"].startswith("SQLite 3.")
    assert data["host"]["cores"] >= 1 and data["load_start"] >= 0 and data["load_end"] >= 0
    assert "## Scale XS on SQLite 3." in report.read_text()
    assert "| person page | GET /people/<id>/ |" in report.read_text()
    scenarios = {row["scenario"] for row in data["results"]}
    assert {"people search", "people list", "person page", "quick log"} <= scenarios
    assert not [row for row in data["results"] if row.get("error")]
    foundation = [r for r in data["results"] if r["scenario"] in scenarios_of_this_issue()]
    assert foundation
    assert all(row["figure"] > 0 and row["floor"] is not None for row in foundation)
    assert data["counts"]["people"] == 80
    # Every figure has p50 and p95 beside a floor; only the counts of faults have none.
    counts = [r for r in data["results"] if r["unit"] == "messages"]
    # The generator's rate is one figure (its run happened once, when the data was made).
    # The minimal view is itself the HTTP floor of the pages: a figure without a floor.
    minimal = [r for r in data["results"] if r["scenario"] == "minimal view"]
    assert [r["name"] for r in minimal] == ["GET /health/live/ p50", "GET /health/live/ p95"]
    assert all(r["figure"] > 0 and r["floor"] is None for r in minimal)
    timed = [
        r
        for r in data["results"]
        if r["unit"] != "messages" and r["scenario"] not in ("generator", "minimal view")
    ]
    (rate,) = [r for r in data["results"] if r["scenario"] == "generator"]
    assert rate["unit"] == "rows/s" and rate["figure"] > 0 and rate["floor"] > 0
    assert len(counts) == 2 and all(r["figure"] == 0 for r in counts)
    assert all(r["figure"] > 0 and r["floor"] > 0 for r in timed)
    for name in scenarios - {"send", "generator", "minimal view"}:
        names = [r["name"][-3:] for r in timed if r["scenario"] == name]
        # One or more figures per scenario (today_200: default page and "show all"), each
        # as a p50 beside a p95.
        assert names and names == ["p50", "p95"] * (len(names) // 2), name
    # A second run reuses the generated data, side by side with a second server (another
    # granian process of this project on the same database file).
    other_env = {**env, "KP_SQLITE_PATH": str(tmp_path / "bench.sqlite3"), "KP_DEBUG": "0"}
    with runner.serve(env=other_env) as other:
        again = subprocess.run(
            [*cmd, "--only", "people search,person page", "--against", other],
            cwd=settings.BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Reusing generated data" in again.stdout
    data = json.loads((out_dir / "XS-sqlite.json").read_text())
    assert data["against"] == other
    side = {r["name"]: r for r in data["results"] if r["against"] is not None}
    assert set(side) == {
        f"{name}, side by side p{p}" for name in ("people search", "person page") for p in (50, 95)
    }
    assert all(r["figure"] > 0 and r["against"] > 0 for r in side.values())
    # Two requests a round: as many pairs as the person page's own timed requests.
    (own,) = [r for r in data["results"] if r["name"] == "GET /people/<id>/ p50"]
    pairs = int(side["person page, side by side p50"]["note"].split()[0])
    assert pairs == int(own["note"].split()[0])


def _run_meta(started: str, load: float) -> dict:
    return {
        "scale": "XS",
        "vendor": "sqlite",
        "seed": 1,
        "started": started,
        "finished": started,
        "load_start": load,
        "load_end": load,
        "repeat": 5,
    }


def test_a_run_of_some_scenarios_replaces_only_their_rows_and_says_when_each_ran(tmp_path):
    path = tmp_path / "XS-sqlite.json"
    first = [{"scenario": "a", "name": "A", "figure": 1.0}, {"scenario": "b", "name": "B"}]
    rows, meta = runner.merge_earlier(path, first, _run_meta("2026-12-01 10:00", 0.5))
    runner.write_json(path, rows, meta)
    again = [{"scenario": "b", "name": "B", "figure": 2.0}]
    rows, meta = runner.merge_earlier(path, again, _run_meta("2026-12-02 10:00", 3.0))
    assert [(r["scenario"], r.get("figure")) for r in rows] == [("a", 1.0), ("b", 2.0)]
    assert [(p["scenarios"], p["load_start"]) for p in meta["parts"]] == [
        (["a"], 0.5),
        (["b"], 3.0),
    ]
    assert meta["started"] == "2026-12-01 10:00"
    runner.write_json(path, rows, meta)
    text = report.render_run(json.loads(path.read_text()))
    assert "- a: 2026-12-01 10:00 to 2026-12-01 10:00, load 0.5 to 0.5, --repeat 5" in text
    assert "- b: 2026-12-02 10:00 to 2026-12-02 10:00, load 3.0 to 3.0" in text


def test_a_run_of_another_scale_or_database_is_not_merged(tmp_path):
    path = tmp_path / "XS-sqlite.json"
    runner.write_json(path, [{"scenario": "a"}], {**_run_meta("x", 1), "vendor": "postgresql"})
    rows, meta = runner.merge_earlier(path, [{"scenario": "b"}], _run_meta("y", 2))
    assert [r["scenario"] for r in rows] == ["b"]
    assert len(meta["parts"]) == 1


def test_runs_merged_from_two_machines_each_say_their_machine_and_cpu_gauge(tmp_path):
    path = tmp_path / "XS-sqlite.json"
    fast = {"machine": "Linux-a", "python": "3.11.7", "host": {"cores": 2, "gauge_ms": 40.0}}
    slow = {"machine": "Linux-b", "python": "3.11.7", "host": {"cores": 2, "gauge_ms": 80.0}}
    rows, meta = runner.merge_earlier(path, [{"scenario": "a"}], {**_run_meta("x", 1), **fast})
    runner.write_json(path, rows, meta)
    rows, meta = runner.merge_earlier(path, [{"scenario": "b"}], {**_run_meta("y", 2), **slow})
    runner.write_json(path, rows, meta)
    text = report.render_run(json.loads(path.read_text()))
    assert "- Machine: each run's own, below" in text
    assert "- a: x to x, load 1 to 1, --repeat 5; 2 cores, ? GB RAM, Python 3.11.7, Linux-a" in text
    assert "Linux-a, CPU gauge 40.0 ms" in text
    assert "- b: y to y, load 2 to 2, --repeat 5; 2 cores, ? GB RAM, Python 3.11.7, Linux-b" in text


def test_a_run_on_one_machine_names_it_once_with_its_cpu_gauge():
    run = {**_run_meta("x", 1), "machine": "Linux-a", "python": "3.11.7"}
    run["host"] = {"cores": 2, "ram_gb": 23.5, "gauge_ms": 41.5}
    text = report.render_run({**run, "parts": [runner.run_part([{"scenario": "a"}], run)]})
    assert "- Machine: 2 cores, 23.5 GB RAM, Python 3.11.7, Linux-a, CPU gauge 41.5 ms" in text
    assert "each run's own" not in text


def test_the_cpu_gauge_is_a_positive_time_in_milliseconds():
    gauge = runner.cpu_gauge(runs=1)
    assert 0 < gauge < 60_000
