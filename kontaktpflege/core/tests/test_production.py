# ruff: noqa: E501
"""Production shape: the health endpoint, the 503 page, replica routing, JSON logs, the RQ worker.

The "database down" and "queue down" cases run the app in a child process whose database
or Redis URL points at a loopback port where nothing listens: a real refused connection.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import subprocess
import sys
import time

import pytest
import time_machine
from django.db import connections
from django.test.utils import CaptureQueriesContext

from kontaktpflege.contacts.models import Person
from kontaktpflege.core.logs import JsonFormatter
from kontaktpflege.core.net import free_port
from kontaktpflege.core.routing import COOKIE
from kontaktpflege.core.tests.processes import ROOT, migrate, process_env

GET = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
client.cookies["sessionid"] = "a-session-the-database-would-know"
response = client.get({path!r}, HTTP_ACCEPT="text/html", HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION="Bearer kp_not-checked-without-a-database")
print(json.dumps({{"status": response.status_code, "body": response.content.decode(), "retry": response.get("Retry-After")}}))
"""


def _get_in_child(env: dict[str, str], path: str) -> dict:
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", GET.format(path=path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _closed_port() -> int:
    return free_port()  # nothing listens there


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.mark.django_db
def test_the_health_endpoint_answers_ok_without_a_login(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "queue": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_health_endpoint_refuses_writes_and_changes_nothing(client):
    response = client.post("/health/")
    assert response.status_code == 405


def test_the_health_endpoint_says_503_when_the_database_is_down_and_reveals_no_address(tmp_path):
    port = _closed_port()
    env = process_env(tmp_path, 1, KP_DATABASE_URL=f"postgres://kpuser:s3cret@127.0.0.1:{port}/kp")
    answer = _get_in_child(env, "/health/")
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {
        "status": "unavailable",
        "database": "down",
        "queue": "down",
    }
    for secret in (str(port), "s3cret", "kpuser", "127.0.0.1"):
        assert secret not in answer["body"]


def test_a_page_says_503_briefly_unavailable_when_the_database_is_down(tmp_path):
    env = process_env(
        tmp_path, 1, KP_DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/kp"
    )
    page = _get_in_child(env, "/people/")
    assert page["status"] == 503
    assert page["retry"] == "10"
    assert "Briefly unavailable" in page["body"]
    assert "Traceback" not in page["body"] and "OperationalError" not in page["body"]
    api = _get_in_child(env, "/api/v1/people")
    assert api["status"] == 503
    assert json.loads(api["body"]) == {
        "detail": "The service is briefly unavailable. Please try again in a moment."
    }


def test_the_health_endpoint_says_503_when_redis_is_down(tmp_path):
    port = _closed_port()
    env = process_env(
        tmp_path, 1, KP_TASKS_BACKEND="rq", KP_REDIS_URL=f"redis://127.0.0.1:{port}/0"
    )
    migrate(env)
    answer = _get_in_child(env, "/health/")
    assert answer["status"] == 503
    assert json.loads(answer["body"]) == {
        "status": "unavailable",
        "database": "ok",
        "queue": "down",
    }
    assert str(port) not in answer["body"]


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_the_health_endpoint_checks_redis_when_tasks_go_through_redis(tmp_path):
    env = process_env(tmp_path, 1, KP_TASKS_BACKEND="rq", KP_REDIS_URL="redis://127.0.0.1:6379/0")
    migrate(env)
    answer = _get_in_child(env, "/health/")
    assert answer["status"] == 200
    assert json.loads(answer["body"]) == {"status": "ok", "database": "ok", "queue": "ok"}


# --- Read replica: a second connection (the test database mirrored) stands in for it ---


@pytest.fixture(scope="module")
def _replica_alias(django_db_setup, django_db_blocker):
    """Module scope: the alias must exist before a test's database access is set up."""
    connections.settings["replica"] = {
        **connections["default"].settings_dict,
        "TEST": {"MIRROR": "default"},
    }
    yield
    with django_db_blocker.unblock():
        connections["replica"].close()
    del connections.settings["replica"]
    with contextlib.suppress(AttributeError):
        del connections["replica"]


@pytest.fixture
def replica(_replica_alias, settings):
    """A "replica" alias: a second, separate connection to the same (test) database."""
    settings.DATABASE_ROUTERS = ["kontaktpflege.core.routing.ReplicaRouter"]
    settings.REPLICA_STICKY_SECONDS = 5
    return connections["replica"]


def _tables(queries) -> str:
    return " ".join(q["sql"] for q in queries.captured_queries)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_reads_go_to_the_replica_but_stay_on_the_primary_for_a_few_seconds_after_a_write(
    replica, alice, alice_client, make_person
):
    make_person(first_name="Julia", last_name="Weber")
    with time_machine.travel(time.time(), tick=False) as clock:
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            assert alice_client.get("/people/").status_code == 200
        assert "contacts_person" in _tables(on_replica)
        assert "contacts_person" not in _tables(on_primary)
        assert "django_session" in _tables(on_primary)  # sessions never from the replica

        response = alice_client.post(
            "/people/new/",
            {
                "first_name": "Max",
                "last_name": "Muster",
                "circle": "active",
                "language": "de",
                "form_of_address": "sie",
            },
        )
        assert response.status_code == 302
        assert COOKIE in response.cookies
        assert Person.objects.filter(first_name="Max").exists()

        clock.shift(3)  # within the sticky window: the user's reads come from the primary
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            assert b"Muster" in alice_client.get("/people/").content
        assert on_replica.captured_queries == []
        assert "contacts_person" in _tables(on_primary)

        clock.shift(3)  # the window is over: back to the replica
        with CaptureQueriesContext(replica) as on_replica:
            assert alice_client.get("/people/").status_code == 200
        assert "contacts_person" in _tables(on_replica)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_forged_or_broken_stickiness_cookie_only_means_reading_from_the_replica(
    replica, alice, alice_client
):
    alice_client.cookies[COOKIE] = "not a number"
    with CaptureQueriesContext(replica) as on_replica:
        assert alice_client.get("/people/").status_code == 200
    assert "contacts_person" in _tables(on_replica)


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_code_outside_a_request_reads_from_the_primary(replica, make_person):
    make_person(first_name="Julia", last_name="Weber")
    with CaptureQueriesContext(replica) as on_replica:
        assert Person.objects.filter(first_name="Julia").count() == 1
    assert on_replica.captured_queries == []


def test_json_logs_are_one_object_per_line_with_the_exception():
    logger = logging.getLogger("kontaktpflege.test")
    try:
        raise ValueError("kaputt")
    except ValueError:
        record = logger.makeRecord(
            "kontaktpflege.test",
            logging.ERROR,
            __file__,
            1,
            "import %s failed",
            (7,),
            sys.exc_info(),
            extra={"job": 7},
        )
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "kontaktpflege.test"
    assert entry["message"] == "import 7 failed" and entry["job"] == 7
    assert "ValueError: kaputt" in entry["exception"]
    assert entry["time"].endswith("+00:00")


def test_json_logs_are_chosen_by_the_environment(tmp_path):
    env = process_env(
        tmp_path,
        1,
        KP_LOG_FORMAT="json",
        KP_DATABASE_URL=f"postgres://postgres@127.0.0.1:{_closed_port()}/kp",
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", GET.format(path="/health/")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert any(
        entry["message"] == "health check database failed: OperationalError" for entry in lines
    ), done.stderr[-2000:]


WSGI_TWICE = """
import io, json
from django.core.wsgi import get_wsgi_application
from django.db import connection
app = get_wsgi_application()
seen = []
for _ in range(2):
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/health/", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
               "HTTP_HOST": "127.0.0.1"}
    response = app(environ, lambda status, headers: None)
    b"".join(response)
    response.close()  # what the server does after sending it: request_finished
    seen.append(id(connection.connection) if connection.connection is not None else None)
print(json.dumps(seen))
"""


def test_a_sqlite_server_keeps_its_database_connection_from_one_request_to_the_next(tmp_path):
    """Reopening SQLite per request meant PRAGMAs, the schema parsed again and the WAL files
    deleted and created anew on every GET: more than a small page's own work."""
    env = process_env(tmp_path, 1, KP_SQLITE_PATH=str(tmp_path / "db.sqlite3"))
    env.pop("KP_DATABASE_URL", None)
    migrate(env)
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", WSGI_TWICE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    first, second = json.loads(done.stdout.strip().splitlines()[-1])
    assert first is not None
    assert second == first
