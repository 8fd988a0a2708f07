"""`kontaktpflege loadtest` end to end at scale XS: real web processes, real locust."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

APP_REQUESTS = {"Today", "people list", "search", "API people"}


def test_the_load_test_runs_locust_against_the_app_and_the_minimal_view_without_errors(
    tmp_path,
):
    """Two web processes serve a freshly generated XS database; locust runs a few seconds
    against Today, the people list, a search and the API, then against /health/live/.

    The command exits non-zero on any failed request, so a page that errors under
    concurrent load fails this test; the JSON must hold every request type with requests
    and no failures, beside the floor run."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "KP_SQLITE_PATH": str(tmp_path / "load.sqlite3"),
        "KP_DEBUG": "0",
    }
    env.pop("KP_DATABASE_URL", None)  # its own database file, not the suite's
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        timeout=300,
    )
    out = tmp_path / "results"
    cmd = [sys.executable, "-m", "django", "run_loadtest", "--scale", "XS", "--seconds", "5"]
    cmd += ["--users", "2", "--web-workers", "2", "--output", str(out)]
    done = subprocess.run(
        cmd,
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a timing target
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = json.loads((out / "loadtest-sqlite3-XS.json").read_text())
    assert data["meta"]["web_processes"] == 2 and data["meta"]["users"] == 2
    rows = {(row["mode"], row["name"]): row for row in data["rows"]}
    assert set(rows) == {("app", name) for name in APP_REQUESTS} | {("floor", "minimal view")}
    for row in rows.values():
        assert row["requests"] > 0 and row["failures"] == 0, row
        assert row["rps"] > 0 and row["p95"] >= row["p50"] > 0, row
    assert "minimal view" in done.stdout and "req/s" in done.stdout
