"""The workspace's retention period: set by the owner, used by the daily job and the dry run."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from kontaktpflege.privacy.models import AuditEvent, PrivacySettings
from kontaktpflege.privacy.retention import retention_report, retention_run_all
from kontaktpflege.privacy.services import privacy_retention_save, privacy_settings_ensure
from kontaktpflege.privacy.tests.test_retention import SENT, rejected
from kontaktpflege.web.tests.test_csp import assert_strict_csp, inline_problems

pytestmark = pytest.mark.django_db

THREE_MONTHS = dt.datetime(2026, 4, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def lena(make_person):
    return make_person(first_name="Lena", last_name="Vogel", emails=["lena@example.com"])


def test_the_daily_job_anonymises_at_the_configured_period_exactly_not_a_day_before(
    workspace, lena, alice
):
    rejected(workspace, lena)
    privacy_retention_save(workspace=workspace, months=3, user=alice)
    with time_machine.travel(THREE_MONTHS - dt.timedelta(days=1), tick=False):
        assert retention_run_all() == 0
    lena.refresh_from_db()
    assert lena.first_name == "Lena"
    with time_machine.travel(THREE_MONTHS, tick=False):
        assert retention_run_all() == 1
    lena.refresh_from_db()
    assert lena.full_name == f"Anonymised #{lena.pk}"


def test_a_longer_period_keeps_the_candidate_past_six_months(workspace, lena, alice):
    rejected(workspace, lena)
    privacy_retention_save(workspace=workspace, months=12, user=alice)
    with time_machine.travel(SENT + dt.timedelta(days=364), tick=False):
        assert retention_run_all() == 0
        item = retention_report(workspace=workspace, include_not_due=True).items[0]
        assert (item.action, item.due_at) == ("not_due", SENT.replace(year=2027))
    with time_machine.travel(SENT.replace(year=2027), tick=False):
        assert retention_run_all() == 1


def test_the_dry_run_report_uses_the_workspace_period(workspace, lena, alice, capsys):
    rejected(workspace, lena)
    privacy_retention_save(workspace=workspace, months=3, user=alice)
    with time_machine.travel(THREE_MONTHS, tick=False):
        call_command("run_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "due 2026-04-15\tanonymise" in out and "would anonymise 1 people" in out
    lena.refresh_from_db()
    assert lena.first_name == "Lena"


def test_a_new_workspace_starts_with_the_site_default(workspace, settings):
    settings.RETENTION_MONTHS = 9
    assert privacy_settings_ensure(workspace=workspace).retention_months == 9


def test_the_owner_sets_the_period_on_the_retention_page(alice_client, workspace):
    page = alice_client.get("/privacy/retention/")
    assert page.status_code == 200 and 'id="retention-form"' in page.content.decode()
    assert_strict_csp(page)
    assert inline_problems(page.content.decode()) == []
    response = alice_client.post("/privacy/retention/", {"retention_months": "4"})
    assert response.status_code == 302
    assert PrivacySettings.objects.get(workspace=workspace).retention_months == 4
    event = AuditEvent.objects.get(action="privacy_settings.retention_changed")
    assert event.data == {"from": 6, "to": 4}
    page = alice_client.get("/privacy/retention/")
    assert "anonymised 4 months after" in page.content.decode()


@pytest.mark.parametrize("months", ["0", "121", "abc", "", "-3"])
def test_a_bad_period_gets_an_error_and_changes_nothing(alice_client, workspace, months):
    privacy_settings_ensure(workspace=workspace)
    response = alice_client.post("/privacy/retention/", {"retention_months": months})
    assert response.status_code == 200 and b"invalid-feedback" in response.content
    assert PrivacySettings.objects.get(workspace=workspace).retention_months == 6
    assert not AuditEvent.objects.exists()


def test_a_member_sees_the_period_but_cannot_change_it(bob_client, workspace):
    privacy_settings_ensure(workspace=workspace)
    page = bob_client.get("/privacy/retention/")
    assert page.status_code == 200 and 'id="retention-form"' not in page.content.decode()
    assert bob_client.post("/privacy/retention/", {"retention_months": "1"}).status_code == 403
    assert PrivacySettings.objects.get(workspace=workspace).retention_months == 6
    assert not AuditEvent.objects.exists()


def test_the_service_refuses_a_period_out_of_range(workspace, alice):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        privacy_retention_save(workspace=workspace, months=0, user=alice)
    assert not PrivacySettings.objects.exists()
    assert not AuditEvent.objects.exists()
