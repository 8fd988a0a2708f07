# ruff: noqa: E501
"""Faults that must lose nothing (issue 16): real processes, started and killed by the test.

Every process runs as deployed (`kontaktpflege worker`, granian serving config.wsgi) on
loopback against a real database: the test's SQLite file or PostgreSQL test database, and
for (d) a private PostgreSQL cluster the test stops and starts. Mail goes to a real aiosmtpd
server, the Redis queue to a Redis database of the test's own. All bounds are generous
safety limits, not performance targets. Select them with `-m fault`.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kontaktpflege.core.net import free_port
from kontaktpflege.core.tests.faults import (
    PG_BIN,
    PrivatePostgres,
    http,
    query,
    redis_database,
    seed,
    web,
)
from kontaktpflege.core.tests.processes import (
    KONTAKTPFLEGE,
    Running,
    alive,
    migrate,
    process_env,
    wait_for,
)
from kontaktpflege.dataio.tests.test_import_worker import linkedin_export

pytestmark = pytest.mark.fault

IMPORT_ROWS = 8_000  # four chunks of 2,000
RECOVERING = {
    "KP_IMPORT_STALE_AFTER": "2",
    "KP_OUTBOX_STALE_AFTER": "2",
    "KP_SCHEDULER_INTERVAL": "1",
}

QUEUE_IMPORT = """
import json
from kontaktpflege.accounts.services import user_create
from kontaktpflege.dataio import services
from kontaktpflege.dataio.models import ImportJob
u = user_create(username="imp", email="imp@example.org", password="pw-import-12345", first_name="Ida", language="en")
job = services.import_job_create(workspace=u.active_workspace, user=u, data=open({path!r}, "rb").read(), filename="Connections.csv")
services.import_parse(job_id=job.pk)  # the preview, here rather than in the worker
job.refresh_from_db()
assert job.state == "previewed", (job.state, job.error)
services.import_confirm(job=job)
print(json.dumps({{"job": job.pk, "workspace": u.active_workspace.pk}}))
"""


def _backend_env(env: dict[str, str], backend: str, stack) -> dict[str, str]:
    if backend == "rq":
        env = {
            **env,
            "KP_TASKS_BACKEND": "rq",
            "KP_REDIS_URL": stack.enter_context(redis_database()),
        }
    return env


def _import_state(env: dict[str, str], job: int) -> tuple[str, int]:
    return query(env, f"SELECT state, processed_rows FROM dataio_importjob WHERE id = {job}")[0]


def _imported(env: dict[str, str], workspace: int) -> tuple[int, int, int]:
    """(people from the file, distinct e-mail addresses among them, import keys)."""
    people = query(
        env,
        f"SELECT count(*) FROM contacts_person WHERE workspace_id = {workspace} AND last_name LIKE 'Nachname%'",
    )[0][0]
    emails = query(
        env,
        f"SELECT count(DISTINCT email) FROM contacts_emailaddress WHERE workspace_id = {workspace} AND email LIKE 'p%@example.org'",
    )[0][0]
    keys = query(env, f"SELECT count(*) FROM dataio_importkey WHERE workspace_id = {workspace}")[0][
        0
    ]
    return people, emails, keys


@pytest.mark.parametrize("backend", ["db", "rq"])
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_during_an_import_leaves_every_row_imported_exactly_once_after_restart(
    tmp_path, smtp_server, backend
):
    import contextlib

    with contextlib.ExitStack() as stack:
        env = _backend_env(process_env(tmp_path, smtp_server.port), backend, stack)
        migrate(env)
        linkedin_export(tmp_path / "Connections.csv", IMPORT_ROWS)
        made = seed(env, QUEUE_IMPORT.format(path=str(tmp_path / "Connections.csv")))
        job, workspace = made["job"], made["workspace"]

        worker = Running([KONTAKTPFLEGE, "worker", "--no-scheduler"], env)
        try:
            # Killed after the first chunk committed, while the next ones are being written.
            wait_for(
                lambda: _import_state(env, job)[1] >= 2_000, timeout=300, what="the first chunk"
            )
        finally:
            assert worker.stop(signal.SIGKILL) == -signal.SIGKILL
        state, processed = _import_state(env, job)
        people_at_kill = _imported(env, workspace)[0]
        assert state == "running" and processed < IMPORT_ROWS, worker.output[-2000:]
        assert 0 < people_at_kill < IMPORT_ROWS

        # A new worker; its scheduler finds the silent import and starts it again.
        worker = Running([KONTAKTPFLEGE, "worker"], {**env, **RECOVERING})
        try:
            wait_for(
                lambda: _import_state(env, job)[0] in ("done", "failed"),
                timeout=300,
                what="the import to finish",
            )
            time.sleep(3)  # more recovery rounds: nothing may be imported again
        finally:
            worker.stop()
        assert _import_state(env, job) == ("done", IMPORT_ROWS), worker.output[-3000:]
        assert _imported(env, workspace) == (IMPORT_ROWS, IMPORT_ROWS, IMPORT_ROWS)
        assert "starting it again" in worker.output


# --- (b) a worker killed during an outbox send, tasks in Redis ---------------------------


@pytest.mark.django_db(transaction=True)
def test_a_worker_on_the_redis_queue_killed_mid_send_sends_nothing_twice_and_loses_nothing(
    tmp_path, smtp_server
):
    from kontaktpflege.messaging.tests import test_worker_kill as kill

    with redis_database() as redis_url:
        env = process_env(tmp_path, smtp_server.port, KP_TASKS_BACKEND="rq", KP_REDIS_URL=redis_url)
        migrate(env)
        seed_script = kill.SEED.replace("{second_to}", "julia@example.com") + "\nprint('{}')"
        seed(env, seed_script)
        smtp_server.slow_data_for, smtp_server.delay = "second", 4.0
        worker = Running([KONTAKTPFLEGE, "worker"], env)
        try:
            # Killed after the server stored "second" but before it answered 250.
            wait_for(lambda: len(smtp_server.ids()) >= 2, what="the kill window")
        finally:
            assert worker.stop(signal.SIGKILL) == -signal.SIGKILL
        assert kill._rows(env)["second"] == ("sending", False)
        worker = Running([KONTAKTPFLEGE, "worker"], {**env, **RECOVERING})
        try:
            wait_for(lambda: kill._settled(env), what="every message to settle")
            time.sleep(3)
        finally:
            worker.stop()
        assert kill._received(smtp_server) == ["first", "second", "third"]
        assert len(set(smtp_server.ids())) == 3  # at most once
        assert kill._rows(env) == {
            "first": ("sent", False),
            "second": ("failed", True),  # uncertain: visible, never resent by itself
            "third": ("sent", False),
        }


# --- (c) two web processes and two workers on PostgreSQL + Redis --------------------------

# The suite's count; KP_FAULT_MESSAGES=10000 runs the 10,000 (docs/deploy.md).
MESSAGES = int(os.environ.get("KP_FAULT_MESSAGES", "300"))
DIGEST_USERS = 5

SEED_MANY = """
import datetime as dt, json
from kontaktpflege.accounts.services import api_token_create, user_create
from kontaktpflege.contacts.models import EmailAddress, Person
from kontaktpflege.contacts.services import person_create
from kontaktpflege.followups.models import FollowUp
from kontaktpflege.followups.selectors import notification_settings_for
u = user_create(username="many", email="many@example.org", password="pw-many-12345", first_name="Mia", language="en")
ws = u.active_workspace
people = Person.objects.bulk_create(Person(workspace=ws, first_name=f"P{{i}}", last_name="Send") for i in range({count}))
EmailAddress.objects.bulk_create(EmailAddress(workspace=ws, person=p, email=f"p{{i}}@example.com", is_primary=True) for i, p in enumerate(people))
_, token = api_token_create(user=u, workspace=ws, name="fault test")
for n in range({digests}):
    d = user_create(username=f"digest{{n}}", email=f"digest{{n}}@example.org", password="pw-digest-12345", first_name="Dora", language="en")
    person_create(workspace=d.active_workspace, first_name="Thomas", last_name="Müller", circle="core")
    FollowUp.objects.filter(workspace=d.active_workspace).update(due_on=dt.date(2020, 1, 1))
    row = notification_settings_for(user=d, workspace=d.active_workspace)
    row.digest_enabled, row.digest_time = True, dt.time(0, 0)
    row.save()
print(json.dumps({{"token": token, "people": [p.pk for p in people]}}))
"""


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL + Redis shape")
@pytest.mark.django_db(transaction=True)
def test_two_web_processes_and_two_workers_deliver_every_message_and_digest_exactly_once(
    tmp_path, smtp_server
):
    with redis_database() as redis_url:
        env = process_env(
            tmp_path,
            smtp_server.port,
            KP_TASKS_BACKEND="rq",
            KP_REDIS_URL=redis_url,
            KP_SCHEDULER_INTERVAL="1",
            KP_LOG_LEVEL="WARNING",
        )
        made = seed(env, SEED_MANY.format(count=MESSAGES, digests=DIGEST_USERS))
        ports = [free_port(), free_port()]
        servers = [web(env, port) for port in ports]
        workers = [Running([KONTAKTPFLEGE, "worker"], env) for _ in range(2)]
        try:

            def post(i: int) -> int:
                url = f"http://127.0.0.1:{ports[i % 2]}/api/v1/messages"
                body = {
                    "person_id": made["people"][i],
                    "subject": f"Fault {i}",
                    "body": f"Hallo P{i},\n\nNachricht {i}.",
                    "idempotency_key": f"fault-{i}",
                }
                return http("POST", url, token=made["token"], body=body)[0]

            with ThreadPoolExecutor(4) as pool:
                statuses = Counter(pool.map(post, range(MESSAGES)))
            assert statuses == {201: MESSAGES}
            # A repeated request (same idempotency key) queues nothing new.
            assert post(0) in (200, 201)

            def delivered() -> bool:
                return (
                    query(
                        env, "SELECT count(*) FROM messaging_outboundmessage WHERE state = 'sent'"
                    )[0][0]
                    >= MESSAGES
                )

            wait_for(delivered, timeout=max(600, MESSAGES * 0.2), what="every message to be sent")
            wait_for(
                lambda: (
                    query(env, "SELECT count(*) FROM followups_digestlog")[0][0] >= DIGEST_USERS
                ),
                timeout=120,
                what="the digests",
            )
            time.sleep(4)  # more scheduler ticks: no digest and no message goes out again
            assert all(w.process.poll() is None for w in workers)
        finally:
            for process in [*workers, *servers]:
                process.stop()
        subjects = Counter(str(m["Subject"]) for m in list(smtp_server.messages))
        sent = {f"Fault {i}" for i in range(MESSAGES)}
        assert {s: n for s, n in subjects.items() if s in sent} == dict.fromkeys(sent, 1)
        ids = Counter(smtp_server.ids())
        assert max(ids.values()) == 1
        digests = Counter(
            str(m["To"]) for m in list(smtp_server.messages) if str(m["Subject"]) not in sent
        )
        assert digests == {f"digest{n}@example.org": 1 for n in range(DIGEST_USERS)}
        states = dict(
            query(env, "SELECT state, count(*) FROM messaging_outboundmessage GROUP BY state")
        )
        assert states == {"sent": MESSAGES}
        assert query(env, "SELECT count(*), count(DISTINCT user_id) FROM followups_digestlog")[
            0
        ] == (DIGEST_USERS, DIGEST_USERS)


# --- (d) PostgreSQL restarted under load: 503 during the outage, recovery without restart ---

SEED_LOGIN = """
import json
from django.test import Client
from kontaktpflege.accounts.services import api_token_create, user_create
from kontaktpflege.contacts.services import person_create
u = user_create(username="pg", email="pg@example.org", password="pw-pg-1234567", first_name="Paul", language="en")
person_create(workspace=u.active_workspace, first_name="Julia", last_name="Weber")
_, token = api_token_create(user=u, workspace=u.active_workspace, name="fault test")
client = Client()
client.force_login(u)
print(json.dumps({"token": token, "session": client.cookies["sessionid"].value}))
"""


@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="no PostgreSQL 15 server binaries")
def test_requests_fail_cleanly_while_postgresql_restarts_and_the_app_recovers_without_a_restart(
    tmp_path,
):
    cluster = PrivatePostgres()
    try:
        cluster.start()
        cluster.create_database()
        env = process_env(tmp_path, 1, KP_DATABASE_URL=cluster.url, KP_DATABASE_CONNECT_TIMEOUT="2")
        env.pop("KP_SQLITE_PATH", None)
        from kontaktpflege.core.tests.processes import manage

        manage(env, "migrate", "--noinput", "-v", "0")
        made = seed(env, SEED_LOGIN)
        port = free_port()
        server = web(env, port)
        base = f"http://127.0.0.1:{port}"
        cookie = f"sessionid={made['session']}"
        answers: list[int] = []
        stop = threading.Event()
        try:

            def load() -> None:  # steady API traffic across the outage
                while not stop.is_set():
                    answers.append(
                        http("GET", f"{base}/api/v1/people", token=made["token"], timeout=30)[0]
                    )

            loader = threading.Thread(target=load, daemon=True)
            loader.start()
            wait_for(lambda: answers.count(200) >= 3, what="requests before the outage")
            assert http("GET", f"{base}/people/", cookies=cookie)[0] == 200

            cluster.stop()
            status, body = http("GET", f"{base}/people/", cookies=cookie)
            assert status == 503 and "Briefly unavailable" in body and "Traceback" not in body
            status, body = http("GET", f"{base}/api/v1/people", token=made["token"])
            assert status == 503 and json.loads(body) == {
                "detail": "The service is briefly unavailable. Please try again in a moment."
            }
            status, body = http("GET", f"{base}/health/")
            assert status == 503 and json.loads(body)["database"] == "down"
            outage = len(answers)
            wait_for(lambda: len(answers) >= outage + 3, what="requests during the outage")

            cluster.start()
            wait_for(
                lambda: http("GET", f"{base}/health/")[0] == 200, timeout=60, what="the recovery"
            )
            recovered = len(answers)
            wait_for(lambda: answers[recovered:].count(200) >= 3, what="requests after the outage")
            stop.set()
            loader.join(timeout=60)
            assert http("GET", f"{base}/people/", cookies=cookie)[0] == 200
            assert alive(server.process.pid)  # the same process: no restart
            assert set(answers) <= {200, 503}, Counter(answers)
            assert 503 in answers[outage - 1 : recovered]
        finally:
            stop.set()
            server.stop()
    finally:
        cluster.destroy()


# --- (e) SQLite: web and worker writing at once ------------------------------------------

SEED_WRITERS = """
import json
from kontaktpflege.accounts.services import api_token_create, user_create
from kontaktpflege.contacts.services import person_create
from kontaktpflege.dataio import services
u = user_create(username="busy", email="busy@example.org", password="pw-busy-123456", first_name="Bea", language="en")
p = person_create(workspace=u.active_workspace, first_name="Julia", last_name="Weber")
_, token = api_token_create(user=u, workspace=u.active_workspace, name="fault test")
job = services.import_job_create(workspace=u.active_workspace, user=u, data=open({path!r}, "rb").read(), filename="Connections.csv")
services.import_parse(job_id=job.pk)
job.refresh_from_db()
services.import_confirm(job=job)
print(json.dumps({{"token": token, "person": p.pk, "job": job.pk}}))
"""
TOUCHPOINTS = 120


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_web_and_worker_write_at_once_and_nobody_sees_database_is_locked(
    tmp_path, smtp_server
):
    env = process_env(tmp_path, smtp_server.port)
    migrate(env)
    linkedin_export(tmp_path / "Connections.csv", IMPORT_ROWS)
    made = seed(env, SEED_WRITERS.format(path=str(tmp_path / "Connections.csv")))
    ports = [free_port(), free_port()]
    servers = [web(env, port) for port in ports]
    worker = Running([KONTAKTPFLEGE, "worker"], env)
    try:
        wait_for(
            lambda: _import_state(env, made["job"])[0] == "running",
            timeout=120,
            what="the import to start",
        )

        def log(i: int) -> tuple[int, str]:
            url = f"http://127.0.0.1:{ports[i % 2]}/api/v1/touchpoints"
            return http(
                "POST",
                url,
                token=made["token"],
                body={
                    "participant_ids": [made["person"]],
                    "summary": f"Call {i}",
                    "channel": "call",
                },
            )

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(log, range(TOUCHPOINTS)))
        wait_for(
            lambda: _import_state(env, made["job"])[0] == "done", timeout=300, what="the import"
        )
        assert worker.process.poll() is None
    finally:
        worker.stop()
        for server in servers:
            server.stop()
    assert Counter(status for status, _ in answers) == {201: TOUCHPOINTS}, [
        b for s, b in answers if s != 201
    ][:3]
    assert not any("locked" in body for _, body in answers)
    assert (
        query(env, "SELECT count(*) FROM touchpoints_touchpoint WHERE summary LIKE 'Call %'")[0][0]
        == TOUCHPOINTS
    )
    assert "database is locked" not in "\n".join(s.output for s in servers)
    assert "Traceback" not in worker.output
