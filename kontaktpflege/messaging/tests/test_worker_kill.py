# ruff: noqa: E501
"""A `kontaktpflege worker` killed with SIGKILL mid-send: no message twice, none lost or stuck.

Everything runs as deployed: the emails are queued through the service (one `send_message`
task each in the database queue), the worker is `.venv/bin/kontaktpflege worker` as the
README starts it, the mail server is a real aiosmtpd server, and the database is a real
SQLite file (or the PostgreSQL test database). The SMTP handler is slow at the chosen
moment to open the kill window. A second worker then recovers through its own periodic
task (a short OUTBOX_STALE_AFTER and scheduler interval stand in for minutes).
"""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest
from django.db import connection

from kontaktpflege.core.tests.processes import (
    KONTAKTPFLEGE,
    Running,
    manage,
    migrate,
    process_env,
    wait_for,
)

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
LOSE_TASKS = """
from django_tasks_db.models import DBTaskResult
DBTaskResult.objects.all().delete()
"""
RECOVERING = {"KP_OUTBOX_STALE_AFTER": "2", "KP_SCHEDULER_INTERVAL": "1"}


def _query(env: dict[str, str], sql: str) -> list[tuple]:
    """Read the child processes' database directly (no Django start-up per poll)."""
    if "KP_SQLITE_PATH" in env:
        with sqlite3.connect(env["KP_SQLITE_PATH"]) as db:
            return db.execute(sql).fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _rows(env: dict[str, str]) -> dict[str, tuple[str, bool]]:
    """subject → (state, uncertain)."""
    rows = _query(env, "SELECT subject, state, data_started_at FROM messaging_outboundmessage")
    return {s: (state, state == "failed" and started is not None) for s, state, started in rows}


def _settled(env: dict[str, str]) -> bool:
    return not any(state in ("queued", "sending") for state, _ in _rows(env).values())


def _touchpoints(env: dict[str, str]) -> int:
    return _query(env, "SELECT count(*) FROM touchpoints_touchpoint WHERE source LIKE 'message:%'")[
        0
    ][0]


def _prepare(tmp_path: Path, smtp_server, second_to: str) -> dict[str, str]:
    env = process_env(tmp_path, smtp_server.port)
    migrate(env)
    manage(env, "shell", "-c", SEED.replace("{second_to}", second_to))
    return env


def _kill_worker_when(env: dict[str, str], condition) -> None:
    worker = Running([KONTAKTPFLEGE, "worker"], env)
    try:
        wait_for(condition, what="the kill window")
    finally:
        returncode = worker.stop(signal.SIGKILL)
    assert returncode == -signal.SIGKILL


def _recover(env: dict[str, str], smtp_server) -> None:
    """A new worker (short recovery times) until every row is settled, then a little longer."""
    worker = Running([KONTAKTPFLEGE, "worker"], {**env, **RECOVERING})
    try:
        wait_for(lambda: _settled(env), what="every message to settle")
        time.sleep(3)  # more recovery rounds: nothing may be sent again
    finally:
        worker.stop()


def _received(smtp_server) -> list[str]:
    return sorted(str(m["Subject"]) for m in list(smtp_server.messages))


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_while_the_server_accepts_never_sends_that_message_again(
    tmp_path, smtp_server
):
    smtp_server.slow_data_for, smtp_server.delay = "second", 4.0
    env = _prepare(tmp_path, smtp_server, second_to="julia@example.com")
    # Killed after the server stored "second" but before it answered 250.
    _kill_worker_when(env, lambda: len(smtp_server.ids()) >= 2)
    assert _rows(env)["second"] == ("sending", False)  # what the dead worker left behind
    _recover(env, smtp_server)
    assert _received(smtp_server) == ["first", "second", "third"]
    assert len(set(smtp_server.ids())) == 3
    assert _rows(env) == {
        "first": ("sent", False),
        "second": ("failed", True),  # uncertain: shown, never resent by itself
        "third": ("sent", False),
    }
    assert _touchpoints(env) == 2


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_before_data_sends_the_message_once_after_restart(tmp_path, smtp_server):
    smtp_server.slow_rcpt_for, smtp_server.delay = "slow@example.com", 30.0
    env = _prepare(tmp_path, smtp_server, second_to="slow@example.com")
    # Killed while the server is still thinking about the recipient of "second".
    _kill_worker_when(env, lambda: smtp_server.rcpt_waiting)
    smtp_server.slow_rcpt_for = ""
    assert _rows(env)["second"] == ("sending", False)
    _recover(env, smtp_server)
    assert _received(smtp_server) == ["first", "second", "third"]
    assert len(set(smtp_server.ids())) == 3
    assert _rows(env) == dict.fromkeys(("first", "second", "third"), ("sent", False))
    assert _touchpoints(env) == 3


@pytest.mark.django_db(transaction=True)
def test_a_worker_sends_queued_messages_whose_tasks_were_lost(tmp_path, smtp_server):
    env = _prepare(tmp_path, smtp_server, second_to="julia@example.com")
    manage(env, "shell", "-c", LOSE_TASKS)  # e.g. the enqueue never committed
    _recover(env, smtp_server)
    assert _received(smtp_server) == ["first", "second", "third"]
    assert len(set(smtp_server.ids())) == 3
    assert _rows(env) == dict.fromkeys(("first", "second", "third"), ("sent", False))
