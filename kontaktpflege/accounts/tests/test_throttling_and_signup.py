"""Issue #8: throttled log-in, admin log-in, password reset, API tokens and sign-up; a sign-up
that reveals no account, a honeypot, approval of sign-ups and names without control characters.
"""

import datetime as dt
import os

import pytest
import time_machine
from django.core import mail
from django.test import Client

from kontaktpflege.accounts.models import User, Workspace

pytestmark = pytest.mark.django_db

# Fixed windows: freezing the clock keeps a burst of attempts inside one window.
START = dt.datetime(2030, 1, 7, 9, 0, tzinfo=dt.UTC)
LOCKED_EN = "Too many attempts. For your protection, please try again in"
LOCKED_DE = "Zu viele Versuche."


def _client(ip: str = "203.0.113.7", language: str = "en") -> Client:
    return Client(REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=language)


def _login(client: Client, username: str, password: str, url: str = "/login/"):
    return client.post(url, {"username": username, "password": password})


def _signup(client: Client, **fields):
    data = {
        "first_name": "Dana",
        "username": "dana",
        "email": "dana@example.org",
        "password1": "a-long-passphrase-42",
        "password2": "a-long-passphrase-42",
        **fields,
    }
    return client.post("/signup/", data)


@pytest.fixture
def frozen():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_fifty_wrong_passwords_lock_the_account_and_the_right_one_is_refused(alice, frozen):
    client = _client(language="de")
    for _ in range(50):
        _login(client, "alice", "wrong-password")
    response = _login(client, "alice", "pw-alice-123")
    assert response.status_code == 429
    assert LOCKED_DE in response.content.decode()
    assert "_auth_user_id" not in client.session
    english = _login(_client("203.0.113.8"), "alice", "pw-alice-123")
    assert english.status_code == 429
    assert LOCKED_EN in english.content.decode()


def test_after_the_lockout_window_the_right_password_works_again(alice, frozen):
    client = _client()
    for _ in range(10):
        _login(client, "alice", "wrong-password")
    assert _login(client, "alice", "pw-alice-123").status_code == 429
    frozen.shift(dt.timedelta(minutes=16))
    response = _login(client, "alice", "pw-alice-123")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_nine_failures_do_not_lock_an_account(alice, frozen):
    client = _client()
    for _ in range(9):
        assert _login(client, "alice", "wrong-password").status_code == 200
    assert _login(client, "alice", "pw-alice-123").status_code == 302


def test_failures_across_usernames_lock_the_ip_but_not_other_clients(alice, frozen):
    attacker = _client("198.51.100.20")
    for i in range(30):
        _login(attacker, f"user{i % 6}", "guess")  # 5 per name: under the account limit
    response = _login(attacker, "alice", "pw-alice-123")
    assert response.status_code == 429
    assert LOCKED_EN in response.content.decode()
    assert _login(_client("198.51.100.21"), "alice", "pw-alice-123").status_code == 302


def test_failures_from_many_ips_lock_the_account(alice, frozen):
    for i in range(10):
        _login(_client(f"192.0.2.{i + 1}"), "alice", "wrong-password")
    assert _login(_client("192.0.2.200"), "alice", "pw-alice-123").status_code == 429


def test_the_admin_login_is_throttled_too(db, frozen):
    User.objects.create_user(
        username="root", email="root@example.org", password="pw-root-123", is_staff=True
    )
    client = _client()
    for _ in range(50):
        _login(client, "root", "wrong-password", url="/admin/login/")
    response = _login(client, "root", "pw-root-123", url="/admin/login/")
    assert LOCKED_EN in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302


def test_api_token_failures_turn_401_into_429(api_token, frozen):
    client = _client()
    for _ in range(30):
        bad = client.get("/api/v1/people", HTTP_AUTHORIZATION="Bearer kp_wrong")
        assert bad.status_code == 401
    refused = client.get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert refused.status_code == 429
    assert LOCKED_EN in refused.json()["detail"]
    other = _client("203.0.113.99").get("/api/v1/people", HTTP_AUTHORIZATION=f"Bearer {api_token}")
    assert other.status_code == 200


def test_password_reset_is_limited_per_address_and_per_ip(alice, frozen):
    client = _client()
    for _ in range(3):
        assert client.post("/password/reset/", {"email": "alice@example.org"}).status_code == 302
    refused = client.post("/password/reset/", {"email": "alice@example.org"})
    assert refused.status_code == 429
    assert LOCKED_EN in refused.content.decode()
    assert len(mail.outbox) == 3
    for i in range(7):
        client.post("/password/reset/", {"email": f"nobody{i}@example.org"})
    assert client.post("/password/reset/", {"email": "x@example.org"}).status_code == 429
    other = _client("203.0.113.77").post("/password/reset/", {"email": "x@example.org"})
    assert other.status_code == 302
    assert len(mail.outbox) == 3


def test_thirty_sign_ups_from_one_client_create_ten_accounts(db, frozen):
    client = _client()
    codes = [
        _signup(client, username=f"bot{i}", email=f"bot{i}@example.org").status_code
        for i in range(30)
    ]
    assert codes == [302] * 10 + [429] * 20
    assert User.objects.count() == 10
    assert LOCKED_EN in _signup(client, username="late", email="late@example.org").content.decode()
    assert _signup(_client("203.0.113.50")).status_code == 302
    assert User.objects.filter(username="dana").exists()


def test_a_bot_filling_the_honeypot_gets_the_same_answer_and_no_account(
    db, django_capture_on_commit_callbacks
):
    client = _client()
    assert 'name="website"' in client.get("/signup/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(client, website="https://spam.example/")
    assert response.status_code == 302
    assert response["Location"] == "/signup/done/"
    assert not User.objects.exists()
    assert not Workspace.objects.exists()
    assert not mail.outbox


def test_sign_up_answers_alike_for_an_existing_email_and_mails_its_owner(
    alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        taken = _signup(_client(), username="mallory", email="Alice@Example.org")
    with django_capture_on_commit_callbacks(execute=True):
        fresh = _signup(_client("203.0.113.60"), username="dana", email="dana@example.org")
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert taken["Location"] == "/signup/done/"
    assert not User.objects.filter(username="mallory").exists()
    assert User.objects.filter(email="alice@example.org").count() == 1
    notice, welcome = mail.outbox
    assert notice.to == ["alice@example.org"]
    assert "An account with this address exists already" in notice.body
    assert "/password/reset/" in notice.body
    assert welcome.to == ["dana@example.org"]
    done = _client().get("/signup/done/").content.decode()
    assert "Check your email" in done
    assert "exists" not in done


def test_sign_up_answers_alike_for_a_taken_username(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(_client(), username="ALICE", email="new@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/signup/done/"
    assert not User.objects.filter(email="new@example.org").exists()
    (message,) = mail.outbox
    assert message.to == ["new@example.org"]
    assert "The username ALICE is taken" in message.body


def test_a_new_account_logs_in_after_the_neutral_answer(db, django_capture_on_commit_callbacks):
    client = _client()
    with django_capture_on_commit_callbacks(execute=True):
        _signup(client)
    # One mail for the new account: the link that confirms its address.
    [message] = mail.outbox
    assert "/email/confirm/" in message.body
    assert _login(client, "dana", "a-long-passphrase-42").status_code == 302


@pytest.mark.parametrize(
    "name", ["Eve\r\nBcc: victim@example.org", "Eve\nX", "Eve\x00", "E\u2028v"]
)
def test_a_name_with_line_breaks_or_controls_is_refused_and_nothing_is_created(
    db, name, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(_client(), first_name=name)
    assert response.status_code == 200
    assert "A name cannot contain line breaks or control characters." in response.content.decode()
    assert not User.objects.exists()
    assert not Workspace.objects.exists()
    assert not mail.outbox


def test_a_name_over_100_characters_is_refused(db):
    response = _signup(_client(), first_name="x" * 101)
    assert response.status_code == 200
    assert not User.objects.exists()


def test_the_service_refuses_a_control_character_in_a_name_too(db):
    from django.core.exceptions import ValidationError

    from kontaktpflege.accounts.services import user_create

    with pytest.raises(ValidationError) as exc:
        user_create(username="eve", email="eve@example.org", password="x", last_name="A\rB")
    assert "last_name" in exc.value.message_dict
    assert not User.objects.exists()


def test_with_approval_a_new_account_waits_until_staff_approves_it(
    db, settings, django_capture_on_commit_callbacks
):
    settings.SIGNUP_APPROVAL = True
    with django_capture_on_commit_callbacks(execute=True):
        response = _signup(_client())
    assert response["Location"] == "/signup/done/"
    dana = User.objects.get(username="dana")
    assert not dana.is_active
    assert "waits for approval" in mail.outbox[0].body
    client = _client()
    refused = _login(client, "dana", "a-long-passphrase-42")
    assert "has not been approved yet" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    wrong = _login(client, "dana", "not-her-password").content.decode()
    assert "has not been approved yet" not in wrong

    staff = User.objects.create_superuser("root", "root@example.org", "pw-root-123")
    admin = Client()
    admin.force_login(staff)
    assert "dana" in admin.get("/admin/accounts/user/?is_active__exact=0").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        admin.post("/admin/accounts/user/", {"action": "approve", "_selected_action": [dana.pk]})
    dana.refresh_from_db()
    assert dana.is_active
    assert mail.outbox[-1].to == ["dana@example.org"]
    assert "is approved" in mail.outbox[-1].body
    assert _login(client, "dana", "a-long-passphrase-42").status_code == 302


REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not _redis_up(), reason="no Redis server on 127.0.0.1:6379")
def test_with_a_redis_cache_another_process_sees_the_lockout(alice):
    """KP_CACHE_URL makes the counts shared: a second process refuses the locked account."""
    import secrets
    import subprocess
    import sys
    import time
    import zlib

    from django.test import override_settings

    redis_cache = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    # A fresh account name (fresh keys) whose 15-minute window has minutes left to run.
    while True:
        name = "redis-" + secrets.token_hex(4)
        now = int(time.time())
        if (now - now % 900 + zlib.crc32(name.encode()) % 900 - now) % 900 > 120:
            break
    # Only this test's keys are written; the shared Redis is never flushed.
    with override_settings(CACHES={"default": redis_cache}):
        for i in range(10):
            _login(_client(f"198.18.{i}.1"), name, "wrong-password")
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from kontaktpflege.accounts import throttle\n"
        "request = RequestFactory().post('/login/', REMOTE_ADDR='198.18.99.1')\n"
        f"print(throttle.blocked(request, 'login', {name!r}))\n"
    )
    env = {**os.environ, "KP_CACHE_URL": REDIS_URL, "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.strip()) > 0


def test_editing_a_name_in_the_admin_refuses_a_line_break(alice):
    staff = User.objects.create_superuser("root", "root@example.org", "pw-root-123", language="en")
    admin = Client()
    admin.force_login(staff)
    page = admin.get(f"/admin/accounts/user/{alice.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(first_name="Alice\r\nBcc: x@example.org", date_joined_0="2030-01-07")
    data["date_joined_1"] = "09:00:00"
    response = admin.post(f"/admin/accounts/user/{alice.pk}/change/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors == {"first_name": ["A name cannot contain line breaks or control characters."]}
    alice.refresh_from_db()
    assert alice.first_name == "Alice"
