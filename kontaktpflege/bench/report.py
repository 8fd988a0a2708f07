"""docs/benchmarks.md from the bench's JSON files: one table per scale and database.

Each table row is one measured thing: its p50 and p95 beside the floor's p50 and p95 (from
the same run), the target of ../shared/design.md (or of the issue that set it) and whether
the figure meets it. A target names the scale it is for ("p95 < 15 ms, p50 < 8 ms at M");
a run at another scale is compared with it too, and the status says which scale the
target is for ("missed (M target)"), since a figure that misses at S will miss at M.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCALE_ORDER = {"XS": 0, "S": 1, "M": 2, "L": 3}

_CLAUSE = re.compile(
    r"^\s*(?:(?P<pct>p\d\d)\s*)?(?P<op><=|>=|≤|≥|<|>|=)?\s*(?P<num>[\d,]+(?:\.\d+)?)\s*"
    r"(?P<unit>[^\s(),]*)\s*(?:(?:at\s+|\()(?P<scale>[A-Za-z][\w-]*)\)?)?\s*$"
)


@dataclass(frozen=True)
class Goal:
    """One clause of a target: `pct` (p50, p95 or "" for the figure itself) op value."""

    pct: str
    op: str
    value: float
    unit: str
    scale: str  # "" for every scale

    def holds(self, figure: float) -> bool:
        return {
            "<": figure < self.value,
            "≤": figure <= self.value,
            "<=": figure <= self.value,
            ">": figure > self.value,
            "≥": figure >= self.value,
            ">=": figure >= self.value,
            "=": figure == self.value,
        }[self.op]


def parse_target(text: str) -> list[Goal]:
    """The clauses of a target text; a clause that cannot be read is left out.

    "p95 < 25 ms, p50 < 20 ms at M": the scale at the end is for both clauses;
    "p95 < 30 ms at M, < 60 ms at L": a clause without a percentile takes the one before.
    """
    parts = [part for part in text.split(", ") if part.strip()]
    matches = [m for m in (_CLAUSE.match(part) for part in parts) if m is not None]
    goals: list[Goal] = []
    pct, scale = "", ""
    scales = [m.group("scale") or "" for m in matches]
    for i, match in enumerate(matches):
        pct = match.group("pct") or pct
        scale = scales[i] or next((s for s in scales[i + 1 :] if s), "")
        value = float(match.group("num").replace(",", ""))
        goals.append(Goal(pct, match.group("op") or "=", value, match.group("unit"), scale))
    return goals


def _in_unit(figure: float, unit: str, goal_unit: str) -> float:
    """The figure in the target's unit (ms figures against a target in seconds)."""
    if unit == "ms" and goal_unit == "s":
        return figure / 1000
    if unit == "s" and goal_unit == "ms":
        return figure * 1000
    return figure


def _goals_for(goals: list[Goal], scale: str) -> tuple[list[Goal], str]:
    """The clauses that apply at `scale`, else those of the nearest scale named."""
    here = [g for g in goals if g.scale in ("", scale)]
    if here or not goals:
        return here, ""
    named = sorted({g.scale for g in goals}, key=lambda s: SCALE_ORDER.get(s, 9))
    other = next((s for s in named if SCALE_ORDER.get(s, 9) >= SCALE_ORDER.get(scale, 0)), "")
    other = other or named[-1]
    return [g for g in goals if g.scale == other], other


def status(target: str, scale: str, figures: dict[str, float], unit: str) -> str:
    """ "met", "missed" (with the failing clause), or "" when there is nothing to compare.

    figures: {"p50": …, "p95": …} for a pair, {"": …} for a single figure.
    """
    goals, other = _goals_for(parse_target(target), scale)
    checked = []
    for goal in goals:
        key = goal.pct if goal.pct in figures else ("" if "" in figures else None)
        if key is None:  # e.g. a p95 target for a single figure: compare the figure itself
            key = next(iter(figures), None)
        if key is None or figures[key] is None or math.isnan(figures[key]):
            continue
        ok = goal.holds(_in_unit(figures[key], unit, goal.unit))
        checked.append((goal, ok))
    if not checked:
        return ""
    failed = [g for g, ok in checked if not ok]
    word = "missed" if failed else "met"
    if failed:
        g = failed[0]
        word += f": {g.pct + ' ' if g.pct else ''}{g.op} {g.value:,g}"
        word += f"{' ' + g.unit if g.unit else ''}"
    return f"{word} (target for {other})" if other else word


def _number(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if value >= 1000:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if value >= 10 else f"{value:,.2f}"


@dataclass
class Line:
    """One table row: a measured thing with its p50/p95 (or one figure) and floors."""

    scenario: str
    name: str
    unit: str
    figures: dict[str, float]
    floors: dict[str, float | None]
    floor_label: str
    target: str
    note: str
    error: str = ""
    against: dict[str, float | None] | None = None


def lines(results: list[dict[str, Any]]) -> list[Line]:
    """The JSON rows merged: "<name> p50" and "<name> p95" of a scenario become one line."""
    out: list[Line] = []
    index: dict[tuple[str, str], Line] = {}
    for row in results:
        name = row.get("name") or row["scenario"]
        match = re.match(r"^(?P<base>.*) (?P<pct>p\d\d)$", name)
        base, pct = (match.group("base"), match.group("pct")) if match else (name, "")
        base = base.rstrip(", ")
        label = re.sub(r"\s*p\d\d$", "", row.get("floor_label") or "").rstrip(", ")
        key = (row["scenario"], base)
        line = index.get(key) if pct else None
        if line is None:
            line = Line(row["scenario"], base, row.get("unit", ""), {}, {}, label, "", "")
            out.append(line)
            if pct:
                index[key] = line
        line.figures[pct] = _float(row.get("figure"))
        line.floors[pct] = row.get("floor")
        line.target = line.target or row.get("target") or ""
        line.note = row.get("note") or line.note
        line.error = row.get("error") or line.error
        if row.get("against") is not None:
            line.against = line.against or {}
            line.against[pct] = row["against"]
    return out


def _float(value: Any) -> float:
    return float("nan") if value is None else float(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _machine(run: dict[str, Any]) -> str:
    """Cores, memory, Python and platform of a run (or of one part of a merged run), and its
    CPU gauge where it was measured (runner.cpu_gauge)."""
    host = run.get("host") or {}
    if not host:
        return "not recorded"
    gauge = f", CPU gauge {host['gauge_ms']} ms" if host.get("gauge_ms") else ""
    return (
        f"{host.get('cores', '?')} cores, {host.get('ram_gb', '?')} GB RAM, "
        f"Python {run.get('python', '?')}, {run.get('machine', '?')}{gauge}"
    )


def render_run(run: dict[str, Any]) -> str:
    """One scale on one database: the machine, then the table."""
    scale = run.get("scale", "?")
    vendor = run.get("vendor") or str(run.get("database", "?")).split()[0]
    head = [f"## Scale {scale} on {run.get('database_version') or vendor}", ""]
    counts = run.get("counts") or {}
    facts = [
        f"- Run{'s' if len(run.get('parts') or []) > 1 else ''}: "
        f"{run.get('started', '?')} to {run.get('finished', '?')} (UTC), "
        + (
            f"{run.get('repeat', '?')} timed runs per figure"
            if len(run.get("parts") or []) <= 1
            else "timed runs per figure as each part's --repeat"
        )
        + f" (unless a scenario's note says otherwise), seed {run.get('seed', '?')}",
        f"- Machine: {_machine(run)}",
    ]
    parts = run.get("parts") or []
    # Parts measured apart may come from different machines: then each says its own.
    per_part = any(p.get("host") for p in parts) and len({_machine(p) for p in parts}) > 1
    if per_part:
        facts[-1] = "- Machine: each run's own, below (its CPU gauge: lower is faster)"
    if len(parts) <= 1:
        facts.append(
            f"- Load average (1 min) at start {run.get('load_start', '?')}, "
            f"at end {run.get('load_end', '?')}"
        )
    else:  # merged from runs of some scenarios each
        facts.append(f"- Measured in {len(parts)} runs (load average, 1 min, at start and end):")
        for part in parts:
            facts.append(
                f"  - {', '.join(part.get('scenarios', []))}: {part.get('started', '?')} to "
                f"{part.get('finished', '?')}, load {part.get('load_start', '?')} to "
                f"{part.get('load_end', '?')}, --repeat {part.get('repeat', '?')}"
                + (f"; {_machine(part)}" if per_part else "")
            )
    if run.get("against"):
        facts.append(f"- Side by side with {run['against']} (interleaved requests)")
    if counts:
        facts.append("- Data: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))
    table = [
        "",
        "| scenario | figure | p50 | floor p50 | p95 | floor p95 | unit | floor | target "
        "| status |",
        "|---|---|--:|--:|--:|--:|---|---|---|---|",
    ]
    every = lines(run.get("results", []))
    for line in (line for line in every if line.against is None):
        paired = "p50" in line.figures or "p95" in line.figures
        p50 = line.figures.get("p50" if paired else "")
        p95 = line.figures.get("p95") if paired else None
        f50 = line.floors.get("p50" if paired else "")
        f95 = line.floors.get("p95") if paired else None
        state = (
            f"failed: {line.error}"
            if line.error
            else status(line.target, scale, line.figures, line.unit)
        )
        cells = [
            line.scenario,
            line.name,
            _number(p50),
            _number(f50),
            _number(p95),
            _number(f95),
            line.unit,
            line.floor_label,
            line.target,
            state,
        ]
        table.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(head + facts + table + _side_by_side(run, every) + _before(run, every)) + "\n"


def _before(run: dict[str, Any], every: list[Line]) -> list[str]:
    """The figures of this run beside those of a kept earlier run (`baseline/`), where both
    measured the same thing."""
    earlier = run.get("before")
    if not earlier:
        return []
    then = {line.scenario: line for line in lines(earlier.get("results", []))}
    out = [
        "",
        f"### Before and after: {earlier.get('started', '?')} "
        f"(load {earlier.get('load_start', '?')} to {earlier.get('load_end', '?')}) and this run",
        "",
        str(earlier.get("baseline", "")),
        "",
        "| scenario | before p50 | now p50 | before p95 | now p95 | unit |",
        "|---|--:|--:|--:|--:|---|",
    ]
    for line in every:
        old = then.get(line.scenario)
        if old is None or line.against is not None or old.unit != line.unit:
            continue
        cells = [
            line.scenario,
            _number(old.figures.get("p50")),
            _number(line.figures.get("p50")),
            _number(old.figures.get("p95")),
            _number(line.figures.get("p95")),
            line.unit,
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def _ratio(mine: float | None, theirs: float | None) -> str:
    if not mine or theirs is None or math.isnan(mine) or math.isnan(theirs):
        return "—"
    return f"{theirs / mine:.2f}×"


def _side_by_side(run: dict[str, Any], every: list[Line]) -> list[str]:
    """The --against table: both servers' p50 and p95 and their ratio (theirs / ours)."""
    both = [line for line in every if line.against is not None]
    if not both:
        return []
    url = run.get("against") or "the other server"
    out = [
        "",
        f"Side by side with {url}: requests interleaved, same client; ratio = that server's "
        "time / this server's.",
        "",
        "| scenario | this p50 | that p50 | ratio p50 | this p95 | that p95 | ratio p95 | pairs |",
        "|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for line in both:
        against = line.against or {}
        mine50, mine95 = line.figures.get("p50"), line.figures.get("p95")
        that50, that95 = against.get("p50"), against.get("p95")
        cells = [
            line.scenario,
            _number(mine50),
            _number(that50),
            _ratio(mine50, that50),
            _number(mine95),
            _number(that95),
            _ratio(mine95, that95),
            line.note.split(";")[0],
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return out


def render(runs: list[dict[str, Any]]) -> str:
    """The whole page: the runs ordered by scale, then database."""
    ordered = sorted(
        runs,
        key=lambda r: (SCALE_ORDER.get(r.get("scale", ""), 9), str(r.get("database", ""))),
    )
    intro = (
        "# Benchmarks\n\n"
        "Generated by `kontaktpflege bench --report docs/benchmarks.md` (or "
        "`kontaktpflege bench-report`) from the JSON files in `docs/bench-results/` (one per "
        "scale and database, committed: each section is from its own run, see its dates); do "
        "not edit by hand. Every figure stands beside its floor, measured in the same run: the "
        "same work without the web stack or the ORM. Targets come from `../shared/design.md` (the "
        "recompute's from issue 16); a target set for another scale is compared too and "
        "marked with that scale. The machine is shared, so the load average is given.\n"
    )
    return intro + "".join("\n" + render_run(run) for run in ordered)


def write_report(path: Path, json_files: list[Path]) -> int:
    """Render the JSON files into `path`; the number of runs in it."""
    runs = []
    for p in sorted(json_files):
        run = json.loads(p.read_text())
        before = p.parent / "baseline" / p.name  # an earlier run to compare with, if kept
        if before.is_file():
            run["before"] = json.loads(before.read_text())
        runs.append(run)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(runs))
    return len(runs)
