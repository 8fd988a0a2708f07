"""The API docs page (Swagger UI) comes from the pinned local package, never from a CDN."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

from django.contrib.staticfiles import finders
from django.test import Client

from kontaktpflege.api.tests.conftest import BASE


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.settings: dict = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        for name in ("src", "href"):
            if found.get(name):
                self.urls.append(found[name] or "")
        if found.get("data-swagger-settings"):
            self.settings = json.loads(found["data-swagger-settings"] or "")


def test_the_docs_page_loads_swagger_ui_only_from_our_own_static_files(db):
    response = Client().get(f"{BASE}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    page = _Assets()
    page.feed(html)
    assert page.urls == [
        "/static/vendor/swagger-ui-dist/swagger-ui.css",
        "/static/vendor/swagger-ui-dist/swagger-ui-bundle.js",
        "/static/js/api-docs.js",
    ]
    assert not re.search(r"cdn|unpkg|jsdelivr|https?://", html)
    for url in page.urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not installed"


def test_the_docs_page_points_at_our_schema_and_never_at_the_online_validator(db):
    page = _Assets()
    page.feed(Client().get(f"{BASE}/docs").content.decode())
    assert page.settings["url"] == f"{BASE}/openapi.json"
    assert page.settings["validatorUrl"] is None


def test_the_pinned_swagger_ui_is_the_one_in_package_lock():
    from scripts.fetch_static import FILES, ROOT

    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = lock["packages"]["node_modules/swagger-ui-dist"]["version"]
    assert json.loads((ROOT / "package.json").read_text())["dependencies"]["swagger-ui-dist"] == (
        pinned
    )
    assert "swagger-ui-bundle.js" in FILES["swagger-ui-dist"]
    installed = ROOT / "static" / "vendor" / "swagger-ui-dist" / ".version"
    assert installed.read_text() == pinned
