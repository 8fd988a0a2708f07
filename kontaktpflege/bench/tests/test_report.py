"""docs/benchmarks.md is rendered from the bench's JSON: figures beside floors and targets."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command

from kontaktpflege.bench import report
from kontaktpflege.bench.report import parse_target, render, status

RUN = {
    "scale": "M",
    "seed": 1,
    "repeat": 50,
    "database": "postgresql kp_bench",
    "vendor": "postgresql",
    "database_version": "PostgreSQL 17.2",
    "python": "3.11.2",
    "machine": "Linux-6.1-x86_64",
    "host": {"cores": 2, "ram_gb": 23.4},
    "started": "2026-12-02 10:00",
    "finished": "2026-12-02 10:05",
    "load_start": 2.87,
    "load_end": 3.5,
    "counts": {"people": 30000, "touchpoints": 300000},
    "results": [
        {
            "scenario": "person page",
            "name": "GET /people/<id>/ p50",
            "figure": 7.5,
            "unit": "ms",
            "floor": 0.6,
            "floor_label": "its SQL alone p50",
            "target": "p95 < 15 ms, p50 < 8 ms at M",
            "note": "250 requests",
        },
        {
            "scenario": "person page",
            "name": "GET /people/<id>/ p95",
            "figure": 16.25,
            "unit": "ms",
            "floor": 1.0,
            "floor_label": "its SQL alone p95",
            "target": "p95 < 15 ms, p50 < 8 ms at M",
            "note": "250 requests, ≤ 9 queries",
        },
        {
            "scenario": "today",
            "name": "Today agenda over HTTP (M) p50",
            "figure": 20.0,
            "unit": "ms",
            "floor": 2.0,
            "floor_label": "hand-written agenda SQL p50",
            "target": "",
            "note": "",
        },
        {
            "scenario": "today",
            "name": "Today agenda over HTTP (M) p95",
            "figure": 40.0,
            "unit": "ms",
            "floor": 3.0,
            "floor_label": "hand-written agenda SQL p95",
            "target": "p95 < 50 ms at M",
            "note": "50 requests",
        },
        {
            "scenario": "generator",
            "name": "Generator (M, postgresql)",
            "figure": 42000.0,
            "unit": "rows/s",
            "floor": 300000.0,
            "floor_label": "raw write",
            "target": "≥ 50,000 rows/s",
            "note": "x",
        },
        {
            "scenario": "broken",
            "name": "broken",
            "figure": None,
            "unit": "",
            "floor": None,
            "floor_label": "",
            "target": "",
            "note": "failed: boom",
            "error": "boom",
        },
    ],
}


def row_of(markdown: str, text: str) -> list[str]:
    (line,) = [line for line in markdown.splitlines() if line.startswith("|") and text in line]
    return [cell.strip() for cell in line.strip("|").split(" | ")]


def test_a_pair_of_rows_becomes_one_line_with_both_floors_and_its_status():
    markdown = render([RUN])
    cells = row_of(markdown, "GET /people/<id>/")
    assert cells[:7] == ["person page", "GET /people/<id>/", "7.50", "0.60", "16.2", "1.00", "ms"]
    assert cells[7] == "its SQL alone"
    assert cells[-1] == "missed: p95 < 15 ms"  # p50 7.5 < 8 holds, p95 16.25 does not
    assert row_of(markdown, "Today agenda")[-1] == "met"
    assert row_of(markdown, "Generator")[-1] == "missed: ≥ 50,000 rows/s"
    assert row_of(markdown, "broken")[-1] == "failed: boom"


def test_the_machine_the_load_and_the_date_head_each_table():
    markdown = render([RUN, {**RUN, "scale": "S", "results": RUN["results"][:2]}])
    assert markdown.index("## Scale S on PostgreSQL 17.2") < markdown.index("## Scale M on")
    assert "2 cores, 23.4 GB RAM, Python 3.11.2" in markdown
    assert "at start 2.87, at end 3.5" in markdown
    assert "2026-12-02 10:00 to 2026-12-02 10:05 (UTC)" in markdown
    # At S the M target is compared and named as such.
    s_part = markdown[: markdown.index("## Scale M on")]
    assert "missed: p95 < 15 ms (target for M)" in s_part


def test_targets_are_read_clause_by_clause_with_their_scales():
    goals = parse_target("p95 < 30 ms at M, < 60 ms at L")
    assert [(g.pct, g.op, g.value, g.scale) for g in goals] == [
        ("p95", "<", 30, "M"),
        ("p95", "<", 60, "L"),
    ]
    assert status("p95 < 30 ms at M, < 60 ms at L", "L", {"p50": 10, "p95": 45}, "ms") == "met"
    assert status("p95 < 30 ms at M, < 60 ms at L", "M", {"p50": 10, "p95": 45}, "ms").startswith(
        "missed"
    )
    assert status("p95 < 3 s at M", "M", {"p50": 900, "p95": 2900}, "ms") == "met"
    assert status("p95 < 150 ms (L)", "S", {"p50": 1, "p95": 2}, "ms") == "met (target for L)"
    assert status("0", "S", {"": 0.0}, "messages") == "met"
    assert status("0", "S", {"": 1.0}, "messages") == "missed: = 0"
    assert status("", "S", {"p50": 1, "p95": 2}, "ms") == ""


def test_the_command_writes_the_report_from_json_files(tmp_path):
    source = tmp_path / "M-postgresql.json"
    source.write_text(json.dumps(RUN))
    out = tmp_path / "docs" / "benchmarks.md"
    call_command("report_bench", str(source), "--output", str(out))
    assert "## Scale M on PostgreSQL 17.2" in out.read_text()


def test_the_command_refuses_without_results_and_writes_nothing(tmp_path):
    out = tmp_path / "benchmarks.md"
    with pytest.raises(CommandError, match="no bench results"):
        call_command("report_bench", str(tmp_path / "missing.json"), "--output", str(out))
    assert not out.exists()


def test_a_kept_earlier_run_is_shown_before_and_after(tmp_path):
    row = {"scenario": "person page", "unit": "ms", "floor": 1.0, "floor_label": "SQL"}
    now = {
        "scale": "L",
        "started": "2026-12-03 07:00",
        "results": [
            {**row, "name": "GET /people/<id>/ p50", "figure": 4.0},
            {**row, "name": "GET /people/<id>/ p95", "figure": 6.0},
        ],
    }
    then = {
        "scale": "L",
        "started": "2026-12-02 16:03",
        "load_start": 1.2,
        "load_end": 1.4,
        "baseline": "Stop 21's run.",
        "results": [
            {**row, "name": "GET /people/<id>/ p50", "figure": 69.6},
            {**row, "name": "GET /people/<id>/ p95", "figure": 87.6},
        ],
    }
    (tmp_path / "baseline").mkdir()
    (tmp_path / "L-postgresql.json").write_text(json.dumps(now))
    (tmp_path / "baseline" / "L-postgresql.json").write_text(json.dumps(then))
    out = tmp_path / "report.md"
    report.write_report(out, [tmp_path / "L-postgresql.json"])
    text = out.read_text()
    assert "### Before and after: 2026-12-02 16:03 (load 1.2 to 1.4) and this run" in text
    assert "Stop 21's run." in text
    assert "| person page | 69.6 | 4.00 | 87.6 | 6.00 | ms |" in text
