"""The OpenAPI document, and schemathesis fuzzing every operation against it in-process."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from config.wsgi import application
from kontaktpflege.api.tests.conftest import BASE

EXAMPLES_PER_OPERATION = 20
# The operations over the follow-up, messaging and import/export services (issue #9.12).
SERVICE_OPERATIONS = {
    f"{method} /api/v1{path}"
    for method, path in [
        ("GET", "/agenda"),
        ("GET", "/followups/{followup_id}"),
        ("POST", "/followups/{followup_id}/done"),
        ("POST", "/followups/{followup_id}/snooze"),
        ("POST", "/followups/{followup_id}/skip"),
        ("GET", "/settings/followups"),
        ("PATCH", "/settings/followups"),
        ("GET", "/settings/followups/recomputes/{run_id}"),
        ("GET", "/templates"),
        ("GET", "/templates/{key}"),
        ("POST", "/templates/{key}/preview"),
        ("POST", "/messages/preview"),
        ("POST", "/messages"),
        ("GET", "/messages"),
        ("GET", "/messages/{message_id}"),
        ("GET", "/imports"),
        ("POST", "/imports"),
        ("GET", "/imports/fields"),
        ("GET", "/imports/{job_id}"),
        ("PUT", "/imports/{job_id}/mapping"),
        ("POST", "/imports/{job_id}/confirm"),
        ("POST", "/imports/{job_id}/cancel"),
        ("GET", "/exports/people"),
        ("GET", "/backup"),
    ]
}


def test_the_openapi_document_is_served_at_the_documented_path(client):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Kontaktpflege API"
    assert "/api/v1/people" in doc["paths"]
    for path in (
        "/agenda",
        "/settings/followups",
        "/templates",
        "/messages",
        "/imports",
        "/backup",
    ):
        assert f"/api/v1{path}" in doc["paths"]
    assert doc["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def _not_a_server_error(ctx, response, case) -> bool:
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} answered {response.status_code}: "
        f"{response.text[:500]}"
    )
    return True


@pytest.fixture
def api_schema(db):
    # Like Django's test client: keep the test's connection (and transaction) open between
    # the requests schemathesis sends straight to the WSGI application.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi(f"{BASE}/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def known_ids(workspace, make_person, acme):
    """Rows whose ids the generated requests use, so that paths also hit real data."""
    from kontaktpflege.contacts.services import employment_record, relationship_set
    from kontaktpflege.touchpoints.services import touchpoint_log

    anna, ben = (make_person(first_name=n, tags=["Design"]) for n in ("Anna", "Ben"))
    return {
        **_service_ids(workspace, anna),
        "person_id": anna.pk,
        "organisation_id": acme.pk,
        "tag_id": anna.tags.get().pk,
        "touchpoint_id": touchpoint_log(
            workspace=workspace, participants=[anna, ben], summary="Kaffee"
        ).pk,
        "relationship_id": relationship_set(a=anna, b=ben).pk,
        "employment_id": employment_record(person=anna, organisation=acme).pk,
        **_recruiting_ids(workspace, ben),
        "request_id": _privacy_request_id(ben),
    }


def _privacy_request_id(person) -> int:
    """An open export request, so the privacy request paths hit a real row."""
    from kontaktpflege.privacy.dsr import request_create

    user = person.workspace.memberships.get().user
    return request_create(person=person, kind="export", user=user).pk


def _recruiting_ids(workspace, person) -> dict:
    """An opening with a candidacy, so the recruiting paths hit real rows."""
    from kontaktpflege.recruiting.services import (
        candidacy_create,
        opening_create,
        recruiting_switch,
    )

    recruiting_switch(workspace=workspace, enabled=True)
    opening = opening_create(workspace=workspace, title="Data Engineer", skills=["Python"])
    candidacy = candidacy_create(opening=opening, person=person)
    from kontaktpflege.privacy.campaigns import campaign_create
    from kontaktpflege.recruiting.pools import pool_create

    pool = pool_create(workspace=workspace, name="Alle", kind="dynamic", filters={})
    campaign = campaign_create(
        workspace=workspace, user=None, name="News", pool=pool, template_key="nurture_update"
    )
    return {"opening_id": opening.pk, "candidacy_id": candidacy.pk, "campaign_id": campaign.pk}


def _service_ids(workspace, person) -> dict:
    """Ids of the agenda, recompute, outbox and import operations, and a template key."""
    from kontaktpflege.dataio.services import import_job_create
    from kontaktpflege.followups.models import FollowUp
    from kontaktpflege.followups.services import (
        followups_recompute_workspace,
        recompute_run_start,
    )
    from kontaktpflege.messaging.services import message_mark_sent

    followups_recompute_workspace(workspace=workspace)
    user = workspace.memberships.get().user
    return {
        "followup_id": FollowUp.objects.filter(person=person).first().pk,
        "run_id": recompute_run_start(workspace=workspace).pk,
        "message_id": message_mark_sent(
            workspace=workspace,
            person=person,
            user=user,
            channel="call",
            subject="",
            body="Telefonat",
            idempotency_key="openapi-1",
        ).pk,
        "job_id": import_job_create(
            workspace=workspace, user=user, data=b"Name,Firma\nAnna,Acme\n", filename="x.csv"
        ).pk,
        "key": "check_in",
    }


@pytest.mark.parametrize(
    ("mode", "pin_ids"),
    [
        (GenerationMode.POSITIVE, False),
        (GenerationMode.POSITIVE, True),
        (GenerationMode.NEGATIVE, False),
    ],
    ids=["positive", "positive-known-ids", "negative"],
)
def test_every_operation_survives_generated_input_and_matches_its_schema(
    api_schema, api_token, known_ids, mode, pin_ids
):
    headers = {"Authorization": f"Bearer {api_token}"}
    failures, labels = [], set()
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.add(operation.label)
        names = {p.name for p in operation.path_parameters}
        pinned = {k: v for k, v in known_ids.items() if k in names} if pin_ids else None

        @given(case=operation.as_strategy(mode, path_parameters=pinned))
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[_not_a_server_error, response_schema_conformance]
            )

        try:
            run()
        except Exception as exc:  # collect all operations' failures, then report
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert labels >= SERVICE_OPERATIONS, SERVICE_OPERATIONS - labels
