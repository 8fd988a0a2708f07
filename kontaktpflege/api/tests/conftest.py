"""API test helpers: a JSON client with a bearer token."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

BASE = "/api/v1"


class ApiClient:
    """Django's test client speaking JSON with `Authorization: Bearer …`."""

    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def _call(self, method: str, path: str, data: Any = None, **params: Any) -> Any:
        url = BASE + path
        kwargs: dict[str, Any] = {"headers": self.headers}
        if method == "get":
            return self.client.get(url, params, **kwargs)
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path: str, **params: Any) -> Any:
        return self._call("get", path, **params)

    def post(self, path: str, data: Any = None) -> Any:
        return self._call("post", path, data)

    def patch(self, path: str, data: Any = None) -> Any:
        return self._call("patch", path, data)

    def delete(self, path: str) -> Any:
        return self._call("delete", path)

    def put(self, path: str, data: Any = None) -> Any:
        return self._call("put", path, data)

    def upload(self, path: str, **fields: Any) -> Any:
        """POST multipart/form-data (files as open file objects or SimpleUploadedFile)."""
        return self.client.post(BASE + path, fields, headers=self.headers)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploads go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit hooks (follow-up refreshes, queued tasks) at the end of the block."""

    def block():
        return django_capture_on_commit_callbacks(execute=True)

    return block


@pytest.fixture
def api(api_token) -> ApiClient:
    return ApiClient(api_token)


@pytest.fixture
def charlie_api(charlie_token) -> ApiClient:
    return ApiClient(charlie_token)


@pytest.fixture
def viewer_api(workspace) -> ApiClient:
    from kontaktpflege.accounts.models import User
    from kontaktpflege.accounts.services import api_token_create, membership_add

    user = User.objects.create_user(username="vera", email="vera@example.org", password="x")
    membership_add(workspace=workspace, user=user, role="viewer")
    _token, raw = api_token_create(user=user, workspace=workspace, name="v")
    return ApiClient(raw)


@pytest.fixture
def acme(workspace):
    from kontaktpflege.contacts.services import organisation_create

    return organisation_create(workspace=workspace, name="Acme GmbH", is_target=True)
