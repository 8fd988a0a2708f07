"""Helpers for tests that run real `kontaktpflege` processes against the test database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(settings.BASE_DIR)
KONTAKTPFLEGE = str(Path(sys.executable).parent / "kontaktpflege")  # as the README starts it


def process_env(tmp_path: Path, smtp_port: int, **extra: str) -> dict[str, str]:
    """Settings for a child process: this test's database, the test SMTP server, DB tasks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        KP_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        KP_EMAIL_HOST="127.0.0.1",
        KP_EMAIL_PORT=str(smtp_port),
        KP_LOG_LEVEL="INFO",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["KP_DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["KP_SQLITE_PATH"] = str(tmp_path / "db.sqlite3")
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    """Run a management command to completion; its stdout."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def migrate(env: dict[str, str]) -> None:
    """Create the schema in the child's SQLite file (PostgreSQL: the test database has it)."""
    if "KP_SQLITE_PATH" in env:
        manage(env, "migrate", "--noinput", "-v", "0")


def wait_for(condition: Callable[[], object], timeout: float = 60.0, what: str = "") -> None:
    """Poll until `condition()` is true; a generous safety bound, not a performance target."""
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what or condition}"
        time.sleep(0.05)


class Running:
    """A child process whose combined output is collected line by line while it runs."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            args,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: the test can end all of it
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self, sig: int = 15, timeout: float = 30.0) -> int:
        """Send `sig` to the process, wait for it, and kill its group if anything is left."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self._reader.join(timeout=5)
        return self.process.returncode


def alive(pid: int) -> bool:
    """Whether a process with this id exists (and is not a zombie)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except FileNotFoundError:
        return False
