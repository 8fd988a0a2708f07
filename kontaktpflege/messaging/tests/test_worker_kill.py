# ruff: noqa: E501
"""A worker process killed with SIGKILL mid-send never causes a duplicate after restart.

The worker is a real process (`manage.py send_outbox`) against a real aiosmtpd server and a
real database file (SQLite) or the test database (PostgreSQL). The SMTP handler is slow at
the chosen moment to open the kill window.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(django_settings.BASE_DIR)

SEED = """
from kontaktpflege.accounts.services import user_create
from kontaktpflege.contacts.services import person_create
from kontaktpflege.messaging import services
u = user_create(username="kill", email="kill@example.org", password="pw-kill-12345", first_name="Kai", language="de")
p = person_create(workspace=u.active_workspace, first_name="Julia", last_name="Weber", emails=["julia@example.com"])
for subject, to in (("first", "julia@example.com"), ("second", "{second_to}"), ("third", "julia@example.com")):
    services.message_queue_email(workspace=u.active_workspace, person=p, user=u, to_address=to,
        subject=subject, body="Hallo Julia", idempotency_key=services.new_idempotency_key())
"""
REPORT = """
import json
from kontaktpflege.messaging.models import OutboundMessage
from kontaktpflege.touchpoints.models import Touchpoint
rows = {m.subject: [m.state, m.is_uncertain, m.message_id] for m in OutboundMessage.objects.all()}
print(json.dumps({"rows": rows, "touchpoints": Touchpoint.objects.count()}))
"""


def _env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KP_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        KP_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        KP_EMAIL_HOST="127.0.0.1",
        KP_EMAIL_PORT=str(port),
        KP_TASKS_BACKEND="django_tasks.backends.dummy.DummyBackend",
    )
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        env["KP_DATABASE_URL"] = f"postgres://{auth}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    else:
        env["KP_SQLITE_PATH"] = str(tmp_path / "kill.sqlite3")
    return env


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _prepare(env: dict[str, str], second_to: str) -> None:
    if "KP_SQLITE_PATH" in env:
        _manage(env, "migrate", "--noinput", "-v", "0")
    _manage(env, "shell", "-c", SEED.replace("{second_to}", second_to))


def _wait_for(condition, timeout: float = 30.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "timed out waiting for the worker"
        time.sleep(0.02)


def _kill_worker_when(env: dict[str, str], condition) -> None:
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "send_outbox", "--batch-size", "10"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(condition)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL


def _report(env: dict[str, str]) -> dict:
    return json.loads(_manage(env, "shell", "-c", REPORT).strip().splitlines()[-1])


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_the_server_accepts_never_sends_that_message_again(
    tmp_path, smtp_server
):
    smtp_server.slow_data_for, smtp_server.delay = "second", 4.0
    env = _env(tmp_path, smtp_server.port)
    _prepare(env, second_to="julia@example.com")
    # Killed after the server stored "second" but before it answered 250.
    _kill_worker_when(env, lambda: len(smtp_server.ids()) >= 2)
    _manage(env, "send_outbox", "--stale-after", "0")
    report = _report(env)
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert subjects == ["first", "second", "third"]
    assert len(set(smtp_server.ids())) == 3
    assert report["rows"]["first"][0] == "sent" and report["rows"]["third"][0] == "sent"
    assert report["rows"]["second"][:2] == ["failed", True]
    assert report["touchpoints"] == 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_data_sends_the_message_once_after_restart(tmp_path, smtp_server):
    smtp_server.slow_rcpt_for, smtp_server.delay = "slow@example.com", 30.0
    env = _env(tmp_path, smtp_server.port)
    _prepare(env, second_to="slow@example.com")
    # Killed while the server is still thinking about the recipient of "second".
    _kill_worker_when(env, lambda: smtp_server.rcpt_waiting)
    smtp_server.slow_rcpt_for = ""
    _manage(env, "send_outbox", "--stale-after", "0")
    report = _report(env)
    subjects = sorted(str(m["Subject"]) for m in smtp_server.messages)
    assert subjects == ["first", "second", "third"]
    assert len(set(smtp_server.ids())) == 3
    assert {s: r[0] for s, r in report["rows"].items()} == {
        "first": "sent",
        "second": "sent",
        "third": "sent",
    }
    assert report["touchpoints"] == 3
