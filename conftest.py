"""Personas and shared fixtures.

alice owns a workspace, bob is a member of it, charlie belongs to another workspace and
must get 404 for everything of alice's.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from typing import Any

import pytest
from django.test import Client

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _english_unless_a_test_says_otherwise():
    """Requests activate their user's language per thread; start every test in English."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords_and_mail(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the (local-memory) cache; every test starts with none."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def alice(db):
    from kontaktpflege.accounts.services import user_create

    return user_create(
        username="alice",
        email="alice@example.org",
        password="pw-alice-123",
        first_name="Alice",
        last_name="Adler",
        language="en",
    )


@pytest.fixture
def workspace(alice):
    return alice.active_workspace


@pytest.fixture
def bob(alice, workspace):
    from kontaktpflege.accounts.models import User
    from kontaktpflege.accounts.services import membership_add

    user = User.objects.create_user(
        username="bob", email="bob@example.org", password="pw-bob-123", language="de"
    )
    membership_add(workspace=workspace, user=user, role="member")
    user.active_workspace = workspace
    user.save(update_fields=["active_workspace"])
    return user


@pytest.fixture
def charlie(db):
    from kontaktpflege.accounts.services import user_create

    return user_create(
        username="charlie",
        email="charlie@example.org",
        password="pw-charlie-123",
        first_name="Charlie",
        language="en",
    )


@pytest.fixture
def alice_client(alice) -> Client:
    client = Client()
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(bob) -> Client:
    client = Client()
    client.force_login(bob)
    return client


@pytest.fixture
def charlie_client(charlie) -> Client:
    client = Client()
    client.force_login(charlie)
    return client


@pytest.fixture
def make_person(workspace):
    """Create a person in alice's workspace through the service."""
    from kontaktpflege.contacts.services import person_create

    def make(**fields):
        fields.setdefault("first_name", "Thomas")
        fields.setdefault("last_name", "Müller")
        return person_create(workspace=workspace, **fields)

    return make


@pytest.fixture
def api_token(alice, workspace) -> str:
    from kontaktpflege.accounts.services import api_token_create

    _token, raw = api_token_create(user=alice, workspace=workspace, name="test")
    return raw


@pytest.fixture
def charlie_token(charlie) -> str:
    from kontaktpflege.accounts.services import api_token_create

    _token, raw = api_token_create(user=charlie, workspace=charlie.active_workspace, name="c")
    return raw


# --- Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) ---

CHROMIUM = os.environ.get("KP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)"
        )
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()


@pytest.fixture
def logged_in_page(page, alice):
    """A browser page logged in as alice through the real login form."""
    page.goto("/login/")
    page.fill("#id_username", "alice")
    page.fill("#id_password", "pw-alice-123")
    page.click("#main button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)
    return page


# --- A real SMTP server (aiosmtpd) on loopback, for every area that sends mail ---


@dataclass
class Recorder:
    """An aiosmtpd handler that keeps every accepted message; optionally slow or refusing."""

    messages: list[Any] = field(default_factory=list)
    slow_data_for: str = ""  # subject substring: sleep after storing, before answering 250
    slow_rcpt_for: str = ""
    delay: float = 0.0
    refuse_code: int = 0
    refuse_for: str = ""  # address substring: refuse that recipient with refuse_code
    rcpt_waiting: bool = False
    peers: list[Any] = field(default_factory=list)  # the client's address per message
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        import asyncio

        if self.refuse_code and (not self.refuse_for or self.refuse_for in address):
            return f"{self.refuse_code} mailbox unavailable"
        if self.slow_rcpt_for and self.slow_rcpt_for in address:
            self.rcpt_waiting = True
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        import asyncio

        msg = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(msg)
            self.peers.append(session.peer)
        if self.slow_data_for and self.slow_data_for in str(msg["Subject"]):
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    def ids(self) -> list[str]:
        with self.lock:
            return [str(m["Message-ID"]).strip() for m in self.messages]


@pytest.fixture
def smtp_server(settings):
    """A real aiosmtpd server on 127.0.0.1 (free port); Django's SMTP backend points at it."""
    from aiosmtpd.controller import Controller

    handler = Recorder()
    from kontaktpflege.core.net import free_port

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    handler.port = port  # type: ignore[attr-defined]
    yield handler
    controller.stop()
