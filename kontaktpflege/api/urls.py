"""The REST API: /api/v1/, token auth, OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs."""

from __future__ import annotations

from ninja import NinjaAPI

from kontaktpflege.api import errors
from kontaktpflege.api.auth import TokenAuth
from kontaktpflege.api.docs import LocalSwagger
from kontaktpflege.api.v1 import (
    agenda,
    applications,
    campaigns,
    conversations,
    exports,
    followup_settings,
    graph,
    imports,
    insights,
    messages,
    network,
    organisations,
    people,
    pools,
    privacy,
    recruiting,
    rejections,
    tags,
    templates,
    touchpoints,
)

api = NinjaAPI(
    title="Kontaktpflege API",
    version="1",
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs=LocalSwagger(),
    docs_url="/docs",
)
errors.install(api)
api.add_router("/", people.router)
api.add_router("/", network.router)
api.add_router("/", organisations.router)
api.add_router("/", touchpoints.router)
api.add_router("/", tags.router)
api.add_router("/", agenda.router)
api.add_router("/", followup_settings.router)
api.add_router("/", templates.router)
api.add_router("/", messages.router)
api.add_router("/", imports.router)
api.add_router("/", exports.router)
api.add_router("/", conversations.router)
api.add_router("/", graph.router)
api.add_router("/", insights.router)
api.add_router("/", applications.router)
api.add_router("/", recruiting.router)
api.add_router("/", rejections.router)
api.add_router("/", pools.router)
api.add_router("/", privacy.router)
api.add_router("/", campaigns.router)
