"""Notification URLs must not make the server talk to its own network (SSRF), and only
members who may write set them up."""

from __future__ import annotations

import datetime as dt

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
