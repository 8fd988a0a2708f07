"""The generator's own figure: rows written per second when the bench data was generated.

The run itself happens once per bench database (runner.prepare_database records its time
and the machine's load); measuring it again inside the run would add a second copy of the
data under every later scenario. The floor is the raw write of the same rows: the
workspace's touchpoints read back and written again, by the same method (COPY on
PostgreSQL, executemany on SQLite), into a temporary table without indexes — the
generator without generating, and without the index builds it does at the end.
"""

from __future__ import annotations

import os
import time

from django.db import connection

from kontaktpflege.bench.registry import BenchContext, Result, scenario
from kontaktpflege.touchpoints.models import Touchpoint

FLOOR_ROWS = 200_000


def raw_write_rows_per_second(workspace_id: int, limit: int = FLOOR_ROWS) -> tuple[float, int]:
    """Rows per second of writing `limit` existing touchpoint rows raw into a bare copy."""
    table = connection.ops.quote_name(Touchpoint._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {table} WHERE workspace_id = %s LIMIT %s", [workspace_id, limit]
        )
        columns = [c[0] for c in cursor.description]
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE IF EXISTS bench_floor_rows")
        cursor.execute(
            f"CREATE TEMPORARY TABLE bench_floor_rows AS SELECT * FROM {table} WHERE 1 = 0"
        )
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY bench_floor_rows ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO bench_floor_rows ({names}) VALUES ({marks})", rows)
        seconds = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_floor_rows")
    return (len(rows) / seconds if seconds else float("nan")), len(rows)


@scenario("generator", scales=("S", "M", "L"))
def bench_generator(ctx: BenchContext) -> list[Result]:
    """Rows per second of the generator run that filled this bench database."""
    data = ctx.workspace.settings or {}
    counts = data.get("bench_counts") or {}
    seconds = data.get("bench_generate_seconds")
    rows = sum(v for k, v in counts.items() if k not in ("tags", "followups"))
    floor, n = raw_write_rows_per_second(ctx.workspace.pk)
    if not seconds:
        note = "generated before the generator's own time was recorded: regenerate to measure"
        return [
            Result(name=f"Generator ({ctx.scale})", figure=float("nan"), unit="rows/s", note=note)
        ]
    load = data.get("bench_load")
    return [
        Result(
            name=f"Generator ({ctx.scale}, {connection.vendor})",
            figure=rows / seconds,
            unit="rows/s",
            floor=floor,
            floor_label=f"raw write of {n:,} touchpoint rows, no indexes",
            target="≥ 50,000 rows/s",
            note=f"{rows:,} rows in {seconds:.1f} s"
            + (f", load {load:.1f} on {_cores()} cores" if load is not None else ""),
        )
    ]


def _cores() -> int:
    return os.cpu_count() or 1
