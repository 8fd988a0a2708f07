"""The send benchmark: real workers, woken send tasks, a kill, what the server received."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from django.conf import settings


def test_the_send_scenario_counts_what_two_workers_delivered_with_one_killed(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    cmd = [sys.executable, "-m", "django", "run_bench", "--scale", "XS", "--only", "send"]
    cmd += ["--sqlite", str(tmp_path / "bench.sqlite3"), "--output-dir", str(tmp_path)]
    done = subprocess.run(
        cmd, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=400
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    rows = {r["name"]: r for r in json.loads((tmp_path / "XS-sqlite.json").read_text())["results"]}
    for p in (50, 95):
        task = rows[f"send: a send task's time per message it sent p{p}"]
        assert task["figure"] > 0 and task["floor"] > 0 and "tasks, floor 40" in task["note"]
    throughput = rows["send 40 emails, 2 workers (aiosmtpd)"]
    assert throughput["figure"] > 0 and throughput["floor"] > 0
    assert "40 sent, 0 failed, 40 received, 40 distinct" in throughput["note"]
    duplicates = rows["send: duplicates delivered, a worker killed mid-run"]
    assert duplicates["figure"] == 0
    assert "one of 2 workers SIGKILLed" in duplicates["note"]
    received, distinct = re.search(r"(\d+) received, (\d+) distinct", duplicates["note"]).groups()
    assert received == distinct and int(received) >= 19  # the killed one's may not arrive
    assert "0 marked sent but not received" in duplicates["note"]
    assert rows["send: messages neither sent nor settled, a worker killed mid-run"]["figure"] == 0
