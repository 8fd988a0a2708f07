"""Helpers of the fault tests: a Redis database of its own, web servers, a private PostgreSQL."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from kontaktpflege.core.net import free_port
from kontaktpflege.core.tests.processes import Running, manage, wait_for

PG_BIN = Path("/usr/lib/postgresql/15/bin")
GRANIAN = str(Path(sys.executable).parent / "granian")


def redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def redis_database() -> Iterator[str]:
    """The URL of an empty Redis database (8–15, or KP_TEST_REDIS_DB's) claimed for this test;
    emptied afterwards."""
    import redis

    if not redis_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    chosen = os.environ.get("KP_TEST_REDIS_DB")
    for number in [int(chosen)] if chosen else range(15, 7, -1):
        client = redis.Redis(host="127.0.0.1", port=6379, db=number)
        if client.dbsize() == 0 and client.set("kp-test-claim", os.getpid(), nx=True):
            break
        client.close()
    else:
        pytest.skip("no free Redis database among 8–15")
    try:
        yield f"redis://127.0.0.1:6379/{number}"
    finally:
        client.flushdb()
        client.close()


def web(env: dict[str, str], port: int) -> Running:
    """One web process as `kontaktpflege serve` starts it (granian, WSGI, one worker)."""
    server = Running(
        [
            GRANIAN,
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "1",
            "config.wsgi:application",
        ],
        env,
    )
    wait_for(lambda: _answers(port), timeout=120, what=f"the web server on port {port}")
    return server


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def http(
    method: str,
    url: str,
    *,
    token: str = "",
    body: dict | None = None,
    cookies: str = "",
    timeout: float = 60,
) -> tuple[int, str]:
    """(status, body) of one request; HTTP errors are answers too."""
    headers = {
        "Accept": "application/json",
        "Accept-Language": "en",
        "Content-Type": "application/json",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookies:
        headers["Cookie"] = cookies
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except OSError as error:  # no answer at all (refused, reset, timed out)
        return 0, str(error)


def seed(env: dict[str, str], script: str) -> dict:
    """Run a setup script in a child process; it prints one JSON line with what it made."""
    return json.loads(manage(env, "shell", "-c", script).strip().splitlines()[-1])


def query(env: dict[str, str], sql: str) -> list[tuple]:
    """Read the child processes' database directly (no Django start-up per poll)."""
    if "KP_SQLITE_PATH" in env:
        import sqlite3

        with sqlite3.connect(env["KP_SQLITE_PATH"], timeout=30) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a temporary directory, on a port of its own.

    Never the shared server on 5432: this one is stopped and started by the test.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="kp-pg-"))
        self.data = self.dir / "data"
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.dir, "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _run(self, *args: str) -> None:
        subprocess.run(
            [*self.as_postgres, *args],
            check=True,
            capture_output=True,
            timeout=120,
            cwd=self.dir,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/kp"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l",
            str(self.dir / "log"), "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def create_database(self) -> None:
        port = str(self.port)
        self._run(str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", port, "-U", "postgres", "kp")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
