"""Benchmark scenarios: each app registers its own in `<app>/bench.py`.

A scenario receives a BenchContext (scale, a workspace filled by the generator, a logged-in
HTTP session against a running server) and returns Results, each figure beside its floor.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    """One row of the benchmark table."""

    name: str
    figure: float
    unit: str
    floor: float | None = None
    floor_label: str = ""
    target: str = ""
    note: str = ""
    against: float | None = None  # the same figure at the --against server, side by side


@dataclass
class BenchContext:
    """What a scenario gets: the scale, the generated workspace and an HTTP session."""

    scale: str
    workspace: Any
    user: Any
    base_url: str = ""
    http: Any = None  # a requests-like session logged in as `user` (see runner)
    repeat: int = 50
    extra: dict[str, Any] = field(default_factory=dict)
    # --against: a session logged in at a second server; time_http then alternates its
    # requests between both, and keeps every timing of both in `side_by_side`.
    against: Any = None
    against_url: str = ""
    side_by_side: list[tuple[float, float]] = field(default_factory=list)

    def time_http(self, path: str, n: int | None = None) -> list[float]:
        """Milliseconds for n GET requests of path over HTTP (after one warm-up).

        With a second server (`against`), each round asks both, in turns first, with the
        same client code; this server's timings are returned, the pairs kept in side_by_side.
        """
        self.http.get(self.base_url + path)
        if self.against is not None:
            _get(self.against, self.against_url + path, "the --against server")
        timings = []
        for i in range(n or self.repeat):
            if self.against is None:
                timings.append(_get(self.http, self.base_url + path, "this server"))
                continue
            if i % 2 == 0:
                mine = _get(self.http, self.base_url + path, "this server")
                theirs = _get(self.against, self.against_url + path, "the --against server")
            else:
                theirs = _get(self.against, self.against_url + path, "the --against server")
                mine = _get(self.http, self.base_url + path, "this server")
            timings.append(mine)
            self.side_by_side.append((mine, theirs))
        return timings

    def time_call(self, fn: Callable[[], Any], n: int | None = None) -> list[float]:
        """Milliseconds for n calls of fn (after one warm-up)."""
        fn()
        timings = []
        for _ in range(n or self.repeat):
            start = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
        return timings


def _get(session: Any, url: str, who: str) -> float:
    """Milliseconds for one GET; anything but 200 is an error naming the server."""
    start = time.perf_counter()
    response = session.get(url)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise RuntimeError(f"GET {url} answered {response.status} ({who})")
    return elapsed


def side_by_side_results(name: str, pairs: list[tuple[float, float]], url: str) -> list[Result]:
    """p50 and p95 of this server beside the --against server's, with their ratio."""
    mine = [a for a, _ in pairs]
    theirs = [b for _, b in pairs]
    results = []
    for p in (50, 95):
        own, other = percentile(mine, p), percentile(theirs, p)
        results.append(
            Result(
                name=f"{name}, side by side p{p}",
                figure=own,
                unit="ms",
                against=other,
                note=f"{len(pairs)} interleaved request pairs; {url} / this = "
                f"{other / own if own else float('nan'):.2f}",
            )
        )
    return results


def run_queued_tasks() -> None:
    """Run every queued task in this process with the worker's own loop, until none is left.

    Nothing to do when tasks are not queued in the database (they ran when enqueued).
    """
    from django.core.management import call_command
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend

    if not isinstance(task_backends["default"], DatabaseBackend):
        return
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100) of a list of numbers."""
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def pair(
    name: str,
    unit: str,
    timings: list[float],
    floors: list[float],
    label: str,
    target: str,
    what: str = "requests",
) -> list[Result]:
    """p50 and p95 rows for one measured thing beside its floor's p50 and p95."""
    return [
        Result(
            name=f"{name} p{p}",
            figure=percentile(timings, p),
            unit=unit,
            floor=percentile(floors, p),
            floor_label=f"{label} p{p}",
            target=target if p == 95 or "p50" in target else "",
            note=f"{len(timings)} {what}, floor {len(floors)}",
        )
        for p in (50, 95)
    ]


SCENARIOS: dict[str, tuple[Callable[[BenchContext], list[Result]], tuple[str, ...]]] = {}
# Scenarios that generate (and reuse) a workspace of their own and never read the contacts
# workspace: a run of only these skips generating the contacts data (see runner).
OWN_DATA: set[str] = set()


def scenario(
    name: str, scales: tuple[str, ...] = ("S", "M", "L"), *, own_data: bool = False
) -> Callable[[Callable[[BenchContext], list[Result]]], Callable[[BenchContext], list[Result]]]:
    """Register a scenario under a name, for the scales it makes sense at."""

    def register(
        fn: Callable[[BenchContext], list[Result]],
    ) -> Callable[[BenchContext], list[Result]]:
        SCENARIOS[name] = (fn, scales)
        if own_data:
            OWN_DATA.add(name)
        return fn

    return register
