# ruff: noqa: E501
"""The background worker survives database trouble, and `serve` restarts a worker that dies.

Real processes throughout: `kontaktpflege worker` and `kontaktpflege serve` as the README
starts them, the test database (a SQLite file of the test, or the PostgreSQL test database)
and a real SMTP server (aiosmtpd) that receives what the worker sends.
"""

from __future__ import annotations

import signal
import sqlite3
import sys
import time

import pytest
from django.db import connection

from kontaktpflege.core.net import free_port
from kontaktpflege.core.tests.processes import (
    KONTAKTPFLEGE,
    Running,
    alive,
    manage,
    migrate,
    process_env,
    wait_for,
)

SEED = """
from kontaktpflege.accounts.services import user_create
from kontaktpflege.contacts.services import person_create
u = user_create(username="w", email="w@example.org", password="pw-worker-12345", first_name="Wil")
person_create(workspace=u.active_workspace, first_name="Julia", last_name="Weber", emails=["julia@example.com"])
"""
QUEUE = """
from kontaktpflege.accounts.models import User
from kontaktpflege.contacts.models import Person
from kontaktpflege.messaging import services
u = User.objects.get(username="w")
services.message_queue_email(workspace=u.active_workspace, person=Person.objects.get(first_name="Julia"), user=u,
    to_address="julia@example.com", subject="{subject}", body="Hallo Julia",
    idempotency_key=services.new_idempotency_key())
"""


def _queue(env: dict[str, str], subject: str) -> None:
    manage(env, "shell", "-c", QUEUE.replace("{subject}", subject))


def _subjects(smtp_server) -> list[str]:
    return sorted(str(m["Subject"]) for m in list(smtp_server.messages))


@pytest.mark.skipif("connection.vendor != 'sqlite'")
@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_running_while_another_connection_holds_the_sqlite_write_lock(
    tmp_path, smtp_server
):
    env = process_env(tmp_path, smtp_server.port, KP_SQLITE_BUSY_TIMEOUT="1")
    migrate(env)
    manage(env, "shell", "-c", SEED)
    worker = Running([KONTAKTPFLEGE, "worker"], env)
    try:
        wait_for(lambda: "Starting worker" in worker.output, what="the worker to start")
        # An import holding the write lock for longer than the busy timeout (1 s here).
        holder = sqlite3.connect(env["KP_SQLITE_PATH"], isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        time.sleep(4)
        holder.execute("ROLLBACK")
        holder.close()
        assert worker.process.poll() is None, worker.output[-3000:]
        assert "database is locked" in worker.output
        _queue(env, "after the lock")
        wait_for(lambda: _subjects(smtp_server) == ["after the lock"], what="the mail")
        assert worker.process.poll() is None
    finally:
        worker.stop()


@pytest.mark.skipif("connection.vendor != 'postgresql'")
@pytest.mark.django_db(transaction=True)
def test_the_worker_reconnects_after_postgresql_drops_its_connection(tmp_path, smtp_server):
    env = process_env(tmp_path, smtp_server.port)
    manage(env, "shell", "-c", SEED)
    worker = Running([KONTAKTPFLEGE, "worker"], env)
    try:
        wait_for(lambda: "Starting worker" in worker.output, what="the worker to start")
        time.sleep(1.5)  # the worker's loop has its connection open
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            assert cursor.fetchone()[0] >= 1
        time.sleep(3)
        assert worker.process.poll() is None, worker.output[-3000:]
        _queue(env, "after the reconnect")
        wait_for(lambda: _subjects(smtp_server) == ["after the reconnect"], what="the mail")
    finally:
        worker.stop()


def _worker_pids(serve: Running) -> list[int]:
    prefix = "Background worker started (PID "
    return [int(line.split(prefix)[1].rstrip(")")) for line in serve.lines if prefix in line]


@pytest.mark.django_db(transaction=True)
def test_serve_restarts_a_worker_killed_with_sigkill_and_the_new_one_sends_queued_mail(
    tmp_path, smtp_server
):
    env = process_env(tmp_path, smtp_server.port)
    migrate(env)
    manage(env, "shell", "-c", SEED)
    port = free_port()
    serve = Running([KONTAKTPFLEGE, "serve", "--port", str(port), "--no-migrate"], env)
    try:
        wait_for(lambda: _worker_pids(serve), what="the first worker")
        first = _worker_pids(serve)[0]
        wait_for(lambda: "Starting worker" in serve.output, what="the worker loop")
        import os

        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(_worker_pids(serve)) >= 2, what="a new worker")
        second = _worker_pids(serve)[1]
        assert second != first and alive(second) and not alive(first)
        assert f"Background worker (PID {first}) was killed by signal SIGKILL" in serve.output
        _queue(env, "after the restart")
        wait_for(lambda: _subjects(smtp_server) == ["after the restart"], what="the mail")
    finally:
        serve.stop(signal.SIGTERM)
    assert not alive(second), "serve must stop its worker when it stops"


def test_the_supervisor_backs_off_when_the_worker_keeps_crashing():
    from kontaktpflege.core.management.commands.serve_web import WorkerSupervisor

    notes: list[str] = []
    crash = [sys.executable, "-c", "import sys; sys.exit(3)"]
    supervisor = WorkerSupervisor(crash, notes.append)
    now = 1000.0
    supervisor.check(now)  # starts the first process
    delays = []
    for _ in range(5):
        supervisor.process.wait(timeout=30)  # type: ignore[union-attr]
        supervisor.check(now + 0.1)  # notices the death: a restart is due after a delay
        delays.append(supervisor.restart_at - (now + 0.1))
        assert supervisor.process is None
        supervisor.check(supervisor.restart_at - 0.01)
        assert supervisor.process is None, "restarted before its delay"
        now = supervisor.restart_at
        supervisor.check(now)
        assert supervisor.process is not None
    supervisor.stop()
    assert [round(d) for d in delays] == [1, 2, 4, 8, 16]
    assert "exited with code 3" in notes[1]
