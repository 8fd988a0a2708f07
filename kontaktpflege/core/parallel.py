"""Bulk work split over forked processes, each with its own database connection."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.db import connection, connections

# Seconds between checks that every process is still alive while waiting for a result.
POLL_SECONDS = 1.0


class ParallelWorkFailed(RuntimeError):
    """A process failed one of its pieces of work, or died; the others were stopped."""


def run_spans(fn: Callable[..., Any], work: Sequence[tuple], processes: int) -> Iterator[Any]:
    """Run `fn(*args)` for every args tuple of `work` in `processes` forked processes and
    yield each result as it arrives (in no particular order).

    The caller's connections are closed before the fork (a forked process must never share
    a connection's socket); each process opens its own, and closes it when the work runs
    out. The caller must not be inside a transaction: the processes could not see it. A
    piece of work that raises, or a process that dies, stops the rest and raises
    ParallelWorkFailed; work that already finished stays done (each piece is its own unit).
    """
    if connection.in_atomic_block:
        raise RuntimeError("parallel work cannot run inside a transaction")
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    todo: Any = ctx.Queue()
    results: Any = ctx.Queue()
    for index, args in enumerate(work):
        todo.put((index, args))
    for _ in range(processes):
        todo.put(None)
    workers = [
        ctx.Process(target=_serve, args=(fn, todo, results), daemon=True) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    finished = False
    try:
        for _ in range(len(work)):
            kind, value = _next_result(results, workers)
            if kind == "error":
                raise ParallelWorkFailed(value)
            yield value
        finished = True
    finally:
        for worker in workers:  # done: they exit at the end marker; else stopped at once
            worker.join(timeout=30 if finished else 0)
            if worker.is_alive():
                worker.terminate()
                worker.join()


def _next_result(results: Any, workers: list[Any]) -> tuple[str, Any]:
    while True:
        try:
            return results.get(timeout=POLL_SECONDS)  # type: ignore[no-any-return]
        except queue.Empty:
            dead = [w for w in workers if w.exitcode not in (None, 0)]
            if dead:
                return "error", f"a worker process died (exit code {dead[0].exitcode})"


def _serve(fn: Callable[..., Any], todo: Any, results: Any) -> None:
    """A forked process: take work until the end marker, put each result or the error."""
    try:
        while (item := todo.get()) is not None:
            _index, args = item
            try:
                results.put(("ok", fn(*args)))
            except BaseException as exc:  # reported to the caller, which stops the rest
                results.put(("error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}"))
                return
    finally:
        connections.close_all()
