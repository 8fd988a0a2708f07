"""Members see in the page shell when background work is not getting done."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kontaktpflege.core.models import WorkerBeat
from kontaktpflege.core.selectors import worker_health


@pytest.fixture
def database_queue(settings):
    """The production queue (tasks wait in the database) instead of the tests' immediate one."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.SCHEDULER_INTERVAL = 60
    settings.WORKER_WARN_AFTER = 300


def _beat(ago: dt.timedelta) -> None:
    WorkerBeat.objects.update_or_create(
        name=WorkerBeat.HEARTBEAT, defaults={"beat_at": timezone.now() - ago}
    )


def _waiting_task(ago: dt.timedelta) -> None:
    from kontaktpflege.messaging.tasks import send_message

    result = send_message.enqueue(123)
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - ago)


def _banner(client) -> str:
    page = client.get("/").content.decode()
    if 'id="worker-health"' not in page:
        return ""
    return " ".join(page.split('id="worker-health">', 1)[1].split("</div>", 1)[0].split())


@pytest.mark.django_db
def test_members_see_a_warning_when_the_oldest_task_has_waited_too_long(
    alice_client, database_queue
):
    _beat(dt.timedelta(seconds=5))
    _waiting_task(dt.timedelta(minutes=12))
    _waiting_task(dt.timedelta(minutes=1))
    assert _banner(alice_client) == (
        "Background work is delayed: the oldest waiting task has waited 12 minutes. "
        "Emails you queued may not have gone out yet."
    )


@pytest.mark.django_db
def test_members_see_a_warning_when_no_worker_has_reported(alice, alice_client, database_queue):
    assert "No background worker is running" in _banner(alice_client)  # never ran
    _beat(dt.timedelta(minutes=4))  # three intervals of 60 s without a heartbeat
    assert "No background worker is running" in _banner(alice_client)
    alice.language = "de"
    alice.save(update_fields=["language"])
    assert "Es läuft kein Hintergrund-Worker" in _banner(alice_client)


@pytest.mark.django_db
def test_the_warning_is_german_for_a_german_member(alice, alice_client, database_queue):
    alice.language = "de"
    alice.save(update_fields=["language"])
    _beat(dt.timedelta(seconds=5))
    _waiting_task(dt.timedelta(minutes=7))
    assert _banner(alice_client).startswith(
        "Hintergrundarbeit verzögert sich: Die älteste wartende Aufgabe wartet seit 7 Minuten."
    )


@pytest.mark.django_db
def test_no_warning_while_a_worker_reports_and_tasks_are_fresh(alice_client, database_queue):
    _beat(dt.timedelta(seconds=30))
    _waiting_task(dt.timedelta(minutes=2))
    assert _banner(alice_client) == ""
    assert worker_health() is None


@pytest.mark.django_db
def test_the_check_is_one_query_however_many_tasks_wait(database_queue, django_assert_num_queries):
    _beat(dt.timedelta(seconds=5))
    for _ in range(30):
        _waiting_task(dt.timedelta(minutes=9))
    with django_assert_num_queries(1):
        health = worker_health()
    assert health is not None and health.waiting_minutes == 9 and not health.no_worker


@pytest.mark.django_db
def test_visitors_and_the_immediate_backend_cost_no_query(
    client, alice_client, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert worker_health() is None  # the tests' immediate backend: nothing waits
    assert 'id="worker-health"' not in client.get("/login/").content.decode()


# --- The Redis queue (KP_TASKS_BACKEND=rq): heartbeat from the database, waiting from Redis ---


def _redis_url() -> str:
    """A Redis database of its own per test process, emptied before use."""
    import os

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return f"redis://127.0.0.1:6379/{10 + int(worker.removeprefix('gw') or 0) % 6}"


@pytest.fixture
def redis_queue(settings):
    import redis

    url = _redis_url()
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.fail("these tests need the Redis on 127.0.0.1:6379")
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "roll"]}
    }
    settings.TASKS_USE_RQ = True
    queue = {"URL": url, "DEFAULT_TIMEOUT": 60, "SOCKET_CONNECT_TIMEOUT": 2}
    settings.RQ_QUEUES = {"default": queue, "roll": queue}
    settings.SCHEDULER_INTERVAL = 60
    settings.WORKER_WARN_AFTER = 300
    yield client
    client.flushdb()
    client.close()


def _waiting_job(ago: dt.timedelta) -> None:
    import time_machine

    from kontaktpflege.messaging.tasks import send_message

    with time_machine.travel(timezone.now() - ago, tick=False):
        send_message.enqueue(123)


@pytest.mark.django_db
def test_with_the_redis_queue_members_see_when_a_job_has_waited_too_long(alice_client, redis_queue):
    _beat(dt.timedelta(seconds=5))
    _waiting_job(dt.timedelta(minutes=12))
    _waiting_job(dt.timedelta(minutes=1))
    assert _banner(alice_client) == (
        "Background work is delayed: the oldest waiting task has waited 12 minutes. "
        "Emails you queued may not have gone out yet."
    )


@pytest.mark.django_db
def test_with_the_redis_queue_members_see_when_no_worker_has_reported(alice_client, redis_queue):
    assert "No background worker is running" in _banner(alice_client)
    _beat(dt.timedelta(minutes=4))
    assert "No background worker is running" in _banner(alice_client)


@pytest.mark.django_db
def test_with_the_redis_queue_fresh_jobs_and_a_live_worker_show_no_warning(
    alice_client, redis_queue
):
    _beat(dt.timedelta(seconds=30))
    _waiting_job(dt.timedelta(minutes=2))
    assert _banner(alice_client) == ""
    assert worker_health() is None


@pytest.mark.django_db
def test_with_the_redis_queue_down_the_page_still_renders_and_names_no_delay(
    settings, alice_client
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    settings.TASKS_USE_RQ = True
    settings.RQ_QUEUES = {
        "default": {
            "URL": "redis://127.0.0.1:1/0",
            "DEFAULT_TIMEOUT": 60,
            "SOCKET_CONNECT_TIMEOUT": 1,
        }
    }
    _beat(dt.timedelta(seconds=5))
    assert worker_health() is None
    assert alice_client.get("/").status_code == 200
