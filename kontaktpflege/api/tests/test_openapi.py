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


def test_the_openapi_document_is_served_at_the_documented_path(client):
    response = client.get(f"{BASE}/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    assert doc["info"]["title"] == "Kontaktpflege API"
    assert "/api/v1/people" in doc["paths"]
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
        "person_id": anna.pk,
        "organisation_id": acme.pk,
        "tag_id": anna.tags.get().pk,
        "touchpoint_id": touchpoint_log(
            workspace=workspace, participants=[anna, ben], summary="Kaffee"
        ).pk,
        "relationship_id": relationship_set(a=anna, b=ben).pk,
        "employment_id": employment_record(person=anna, organisation=acme).pk,
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
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
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
