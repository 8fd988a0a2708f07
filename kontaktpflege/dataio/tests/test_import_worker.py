# ruff: noqa: E501
"""A large upload is read by the worker process, and the database stays writable meanwhile.

Real processes on a real database file (SQLite, IMMEDIATE transactions as in production) or
the test database (PostgreSQL): a script posts a generated LinkedIn export of 60,000 rows
through the web stack, a real `db_worker` reads it, and this test writes to the same job row
from another connection while the worker is reading. Before issue #8 the request parsed the
file inside a write transaction and every other writer waited on it (23 s for 24 MB).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(django_settings.BASE_DIR)
ROWS = 60_000

UPLOAD = """
import json, time
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from kontaktpflege.accounts.services import user_create
from kontaktpflege.dataio.models import ImportJob
u = user_create(username="big", email="big@example.org", password="pw-big-1234567", first_name="B", language="en")
client = Client()
client.force_login(u)
client.get("/data/")  # load the URLs and templates first: the figure is the upload alone
data = open({path!r}, "rb").read()
start = time.monotonic()
response = client.post("/data/import/", {{"file": SimpleUploadedFile("Connections.csv", data), "format": "auto"}})
seconds = time.monotonic() - start
job = ImportJob.objects.get()
print(json.dumps({{"status": response.status_code, "url": response.url, "job": job.pk, "state": job.state, "seconds": seconds}}))
"""


def linkedin_export(path: Path, rows: int) -> int:
    with open(path, "w", encoding="utf-8") as out:
        out.write(
            'Notes:\n"Exported"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n'
        )
        for i in range(rows):
            out.write(
                f"Vorname{i},Nachname{i},https://www.linkedin.com/in/p-{i:x},p{i}@example.org,"
                f"Firma {i % 997} GmbH,Engineer,07 Oct 2024\n"
            )
    return path.stat().st_size


def _env(tmp_path: Path) -> dict[str, str]:
    # The production settings, with uploads stored under tmp_path instead of var/media.
    (tmp_path / "import_settings.py").write_text(
        f"from config.settings import *  # noqa: F403\nMEDIA_ROOT = {str(tmp_path / 'media')!r}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="import_settings",
        PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]),
        KP_TASKS_BACKEND="django_tasks_db.DatabaseBackend",
        KP_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["KP_DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["KP_SQLITE_PATH"] = str(tmp_path / "import.sqlite3")
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


class Database:
    """This test's own connection to the database the processes use."""

    def __init__(self, env: dict[str, str]):
        self.path = env.get("KP_SQLITE_PATH")

    def query(self, sql: str, *params) -> list[tuple]:
        if self.path:
            with sqlite3.connect(self.path, timeout=20) as db:
                return db.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def write_job(self, job_id: int) -> float:
        """Touch the job row in a write transaction that may wait at most 2 s for a lock."""
        start = time.monotonic()
        if self.path:
            db = sqlite3.connect(self.path, timeout=2, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE dataio_importjob SET updated_at = updated_at WHERE id = ?", (job_id,)
                )
                db.execute("COMMIT")
            finally:
                db.close()
        else:
            from django.db import transaction

            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
                cursor.execute(
                    "UPDATE dataio_importjob SET updated_at = updated_at WHERE id = %s", [job_id]
                )
        return time.monotonic() - start


def _wait_for(condition, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the worker"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_large_upload_returns_at_once_and_the_database_stays_writable_while_the_worker_reads_it(
    tmp_path, capsys
):
    size = linkedin_export(tmp_path / "Connections.csv", ROWS)
    env = _env(tmp_path)
    if "KP_SQLITE_PATH" in env:
        _manage(env, "migrate", "--noinput", "-v", "0")
    database = Database(env)
    uploaded = json.loads(
        _manage(env, "shell", "-c", UPLOAD.format(path=str(tmp_path / "Connections.csv")))
        .strip()
        .splitlines()[-1]
    )
    job = uploaded["job"]
    assert uploaded["status"] == 302 and uploaded["url"] == f"/data/import/{job}/"
    assert uploaded["state"] == "parsing"  # the request stored the file and did not read it

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(
            lambda: (
                database.query("SELECT status FROM django_tasks_database_dbtaskresult")
                == [("RUNNING",)]
            )
        )
        time.sleep(0.5)  # well inside the read of 60,000 rows
        waited = database.write_job(job)
        still_reading = database.query("SELECT state FROM dataio_importjob WHERE id = %s", job)
        assert still_reading == [("parsing",)], (
            "the worker finished before the write; use more rows"
        )
        _, errors = worker.communicate(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=30)
    assert worker.returncode == 0, errors[-2000:]
    state, total, counts = database.query(
        "SELECT state, total_rows, counts FROM dataio_importjob WHERE id = %s", job
    )[0]
    assert (state, total) == ("previewed", ROWS)
    assert (json.loads(counts) if isinstance(counts, str) else counts)["new"] == ROWS
    with capsys.disabled():
        print(
            f"\n{connection.vendor}: {size / 1e6:.1f} MB, {ROWS} rows; upload request "
            f"{uploaded['seconds']:.2f} s; a write during the read waited {waited:.3f} s"
        )
