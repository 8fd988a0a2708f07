"""Notification URLs must not make the server talk to its own network (SSRF), and only
members who may write set them up."""

from __future__ import annotations

import datetime as dt
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from kontaktpflege.accounts.models import User
from kontaktpflege.accounts.services import membership_add
from kontaktpflege.followups.models import DigestLog, NotificationSettings
from kontaktpflege.followups.notifications import digest_send, notification_settings_update
from kontaktpflege.followups.selectors import notification_settings_for

from .conftest import berlin
from .test_digest import prepare

pytestmark = pytest.mark.django_db

FORM = {
    "digest_enabled": "on",
    "digest_time": "07:00",
    "email_enabled": "on",
    "networking_weekday": "4",
    "networking_time": "16:00",
    "networking_minutes": "60",
}
INTERNAL = [
    "json://127.0.0.1:8080/hook",
    "jsons://169.254.169.254/latest/meta-data",
    "form://10.0.0.5/hook",
    "forms://192.168.1.1/hook",
    "json://localhost/hook",
    "json://[::1]/hook",
    "json://2130706433/hook",
    "json://0.0.0.0/hook",
    "ntfy://127.0.0.1/topic",
    "ntfys://172.16.0.1/topic",
    "gotify://100.64.0.1/token",
    "mmost://localhost/token",
    "mailto://user:pw@example.org?smtp=127.0.0.1",
    # IPv4 inside IPv6: NAT64 (64:ff9b::/96), 6to4 (2002::/16), mapped and compatible forms
    "json://[64:ff9b::7f00:1]/hook",
    "jsons://[64:ff9b::a9fe:a9fe]/latest/meta-data",
    "json://[64:ff9b::a00:5]/hook",
    "json://[2002:7f00:1::1]/hook",
    "json://[2002:c0a8:101::]/hook",
    "json://[::ffff:10.0.0.5]/hook",
    "json://[::127.0.0.1]/hook",
    "json://[64:ff9b:1::a00:5]/hook",
]


def update(row, urls: str) -> NotificationSettings:
    return notification_settings_update(
        row=row,
        digest_enabled=True,
        digest_time=dt.time(7),
        email_enabled=True,
        apprise_urls=urls,
        networking_weekday=4,
        networking_time=dt.time(16),
        networking_minutes=60,
    )


@pytest.mark.parametrize("url", INTERNAL)
def test_urls_pointing_at_internal_hosts_are_refused_and_nothing_is_saved(alice, workspace, url):
    row = notification_settings_for(user=alice, workspace=workspace)
    with pytest.raises(ValidationError) as error:
        update(row, url)
    assert "private or local address" in " ".join(error.value.messages)
    row = NotificationSettings.objects.get(pk=row.pk)
    assert not row.digest_enabled and row.apprise_urls == ""


def test_the_settings_page_refuses_the_metadata_address_with_a_clear_error(alice, alice_client):
    url = reverse("followup_settings")
    bad = "json://169.254.169.254/latest/meta-data"
    response = alice_client.post(url, {**FORM, "apprise_urls": bad})
    assert response.status_code == 400
    assert "points to a private or local address" in response.content.decode()
    row = NotificationSettings.objects.get(user=alice)
    assert not row.digest_enabled and row.apprise_urls == ""


def test_public_hosts_and_fixed_services_are_accepted(alice, workspace):
    row = notification_settings_for(user=alice, workspace=workspace)
    urls = "json://93.184.216.34/hook\nntfy://kontaktpflege-topic\ntgram://123456789:abc_def/1234/"
    assert update(row, urls).apprise_urls == urls


def test_an_operator_may_allow_private_hosts(alice, workspace, settings):
    settings.NOTIFY_ALLOW_PRIVATE_HOSTS = True
    row = notification_settings_for(user=alice, workspace=workspace)
    assert update(row, "json://127.0.0.1:8080/hook").apprise_urls == "json://127.0.0.1:8080/hook"


@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_a_private_url_saved_earlier_is_not_called_when_the_digest_goes_out(
    alice,
    workspace,
    make_person,
    committed,
    webhook,
    settings,
):
    url, received = webhook
    settings.NOTIFY_ALLOW_PRIVATE_HOSTS = False
    prepare(alice, workspace, make_person, committed, apprise_urls=url, email_enabled=False)
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "failed"
    assert received == []
    assert "private" in DigestLog.objects.get().detail


def test_viewers_cannot_change_notification_settings(alice, workspace, client):
    viewer = User.objects.create_user(username="vic", email="v@example.org", password="pw-x-123")
    membership_add(workspace=workspace, user=viewer, role="viewer")
    client.force_login(viewer)
    url = reverse("followup_settings")
    page = client.get(url)
    assert page.status_code == 200 and 'id="notification-form"' not in page.content.decode()
    data = {**FORM, "apprise_urls": "ntfy://kontaktpflege-topic"}
    assert client.post(url, data).status_code == 403
    assert client.post(url, {**data, "action": "notifications"}).status_code == 403
    row = notification_settings_for(user=viewer, workspace=workspace)
    assert not row.digest_enabled and row.apprise_urls == ""


def test_nat64_and_6to4_forms_of_public_addresses_are_accepted(alice, workspace):
    row = notification_settings_for(user=alice, workspace=workspace)
    urls = "json://[64:ff9b::5db8:d822]/hook\njson://[2002:5db8:d822::1]/hook"
    assert update(row, urls).apprise_urls == urls


class Recorder(BaseHTTPRequestHandler):
    """Records each POST; answers 307 to `redirect_to` when the server has one."""

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.server.received.append(json.loads(self.rfile.read(length)))  # type: ignore[attr-defined]
        target = self.server.redirect_to  # type: ignore[attr-defined]
        self.send_response(307 if target else 200)
        if target:
            self.send_header("Location", target)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    """Start real HTTP servers on loopback: (port, received) for each."""
    servers = []

    def start(redirect_to: str = "") -> tuple[int, list]:
        server = HTTPServer(("127.0.0.1", 0), Recorder)
        server.received, server.redirect_to = [], redirect_to  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_port, server.received  # type: ignore[attr-defined]

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("suffix", ["", "?redirect=yes"], ids=["default", "url-asks-for-redirects"])
@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_a_webhook_answering_307_to_a_private_address_is_not_followed(
    alice, workspace, make_person, committed, settings, http_server, suffix
):
    settings.NOTIFY_ALLOW_PRIVATE_HOSTS = True  # the allowed webhook itself listens on loopback
    inner_port, inner = http_server()
    outer_port, outer = http_server(redirect_to=f"http://127.0.0.1:{inner_port}/admin")
    url = f"json://127.0.0.1:{outer_port}/hook{suffix}"
    prepare(alice, workspace, make_person, committed, apprise_urls=url, email_enabled=False)
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "failed"
    assert len(outer) == 1  # the allowed host was called once
    assert inner == []  # the redirect target never was
    assert DigestLog.objects.get().detail == "apprise: json"


@time_machine.travel(berlin(2025, 6, 2, 8), tick=False)
def test_a_name_that_resolves_to_loopback_only_when_connecting_reaches_nothing(
    alice, workspace, make_person, committed, settings, http_server, monkeypatch
):
    """DNS rebinding: the name answers a public address to both checks, then 127.0.0.1."""
    settings.NOTIFY_ALLOW_PRIVATE_HOSTS = False
    port, received = http_server()
    name = "rebind.kontaktpflege.test"
    answers = ["93.184.216.34", "93.184.216.34"]  # the check on saving and before sending
    real_getaddrinfo = socket.getaddrinfo
    lookups = []

    def rebinding_getaddrinfo(host, *args, **kwargs):
        if host != name:
            return real_getaddrinfo(host, *args, **kwargs)
        address = answers.pop(0) if answers else "127.0.0.1"
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, args[0] if args else 0))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_getaddrinfo)
    url = f"json://{name}:{port}/hook"
    row = update(notification_settings_for(user=alice, workspace=workspace), url)
    assert row.apprise_urls == url  # public when saved
    prepare(alice, workspace, make_person, committed, email_enabled=False)
    assert digest_send(user=alice, workspace=workspace, day=dt.date(2025, 6, 2)) == "failed"
    assert lookups[:3] == ["93.184.216.34", "93.184.216.34", "127.0.0.1"]
    assert received == []
    assert DigestLog.objects.get().detail == "apprise: json: private host refused"
