"""The REST API: /api/v1/, token auth, OpenAPI at /api/v1/openapi.json."""

from __future__ import annotations

from ninja import NinjaAPI

from kontaktpflege.api.auth import TokenAuth

api = NinjaAPI(
    title="Kontaktpflege API",
    version="1",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url="/docs",
)
