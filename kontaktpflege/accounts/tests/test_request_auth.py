"""The per-request log-in check: one read for the user and their membership, never stale."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kontaktpflege.accounts.models import Membership, User

pytestmark = pytest.mark.django_db


def _queries(client, url="/health/live/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q["sql"] for q in ctx.captured_queries]


def test_a_logged_in_request_reads_the_session_then_user_and_membership_in_one_query(
    alice_client,
):
    response, sql = _queries(alice_client)
    assert response.status_code == 200
    assert len(sql) == 2, sql
    assert "django_session" in sql[0]
    assert "accounts_membership" in sql[1] and "accounts_user" in sql[1]


def test_the_active_workspace_wins_over_the_oldest_membership(bob_client, bob, charlie):
    theirs = charlie.active_workspace
    Membership.objects.create(user=bob, workspace=theirs, role="viewer")
    first = bob_client.get("/people/").wsgi_request
    assert first.workspace.pk == bob.active_workspace_id != theirs.pk
    User.objects.filter(pk=bob.pk).update(active_workspace=theirs)
    second = bob_client.get("/people/").wsgi_request
    assert second.workspace.pk == theirs.pk
    assert second.membership.role == "viewer"


def test_without_an_active_workspace_the_oldest_membership_is_used(bob_client, bob, workspace):
    User.objects.filter(pk=bob.pk).update(active_workspace=None)
    request = bob_client.get("/people/").wsgi_request
    assert request.workspace.pk == workspace.pk


def test_a_removed_membership_takes_effect_on_the_next_request(bob_client, bob):
    assert bob_client.get("/people/").status_code == 200
    Membership.objects.filter(user=bob).delete()
    response = bob_client.get("/people/")
    assert response.status_code == 403
    assert response.wsgi_request.user == bob  # still logged in, without a workspace


def test_a_password_changed_elsewhere_logs_the_session_out(bob_client, bob):
    assert bob_client.get("/people/").status_code == 200
    # as another web process would: the row changes, this process kept nothing
    user = User.objects.get(pk=bob.pk)
    user.set_password("a-new-long-passphrase-7")
    user.save(update_fields=["password"])
    response = bob_client.get("/people/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not response.wsgi_request.user.is_authenticated


def test_a_deactivated_account_is_logged_out_with_or_without_a_membership(
    bob_client, alice_client, bob, alice
):
    Membership.objects.filter(user=bob).delete()
    User.objects.filter(pk__in=[alice.pk, bob.pk]).update(is_active=False)
    for client in (alice_client, bob_client):
        response = client.get("/people/")
        assert response.status_code == 302
        assert not response.wsgi_request.user.is_authenticated


def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(alice_client):
    from django.test import Client

    copy = Client()
    copy.cookies = alice_client.cookies  # the same session cookie in another browser
    assert copy.get("/people/").status_code == 200
    alice_client.post("/logout/")
    assert copy.get("/people/").status_code == 302


def _redis_up() -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def _session_engine(**env: str) -> str:
    import os
    import subprocess
    import sys

    from django.conf import settings as conf

    code = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    base = {k: v for k, v in os.environ.items() if k != "KP_CACHE_URL"}
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=conf.BASE_DIR,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def test_sessions_go_through_the_cache_only_when_it_is_shared_by_every_process():
    assert _session_engine() == "kontaktpflege.accounts.sessions"  # Django's db store
    shared = _session_engine(KP_CACHE_URL="redis://127.0.0.1:6379/0")
    assert shared == "kontaktpflege.accounts.session_cached_db"  # Django's cached_db store


@pytest.fixture
def redis_sessions(settings):
    from django.core.cache import caches

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": "kp-test-request-auth",
        }
    }
    settings.SESSION_ENGINE = "kontaktpflege.accounts.session_cached_db"
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.mark.skipif(not _redis_up(), reason="no Redis on 127.0.0.1:6379")
def test_with_a_shared_cache_a_logged_in_request_reads_no_session_row_and_logout_holds(
    redis_sessions, alice
):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    response, sql = _queries(client)
    assert response.status_code == 200
    assert len(sql) == 1 and "django_session" not in sql[0], sql
    copy = Client()
    copy.cookies = client.cookies
    assert copy.get("/people/").status_code == 200
    client.post("/logout/")
    assert copy.get("/people/").status_code == 302


def test_an_expired_session_is_not_honoured_and_a_live_one_is(alice_client):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    assert alice_client.get("/people/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    response = alice_client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
