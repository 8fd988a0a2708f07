"""Content-Security-Policy: every page is sent with a policy that forbids inline scripts, and
its HTML holds no inline script, event handler or style attribute for the policy to block."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kontaktpflege.contacts.services import employment_record, organisation_create
from kontaktpflege.dataio.models import ImportJob
from kontaktpflege.messaging.library import shipped_templates
from kontaktpflege.touchpoints.services import touchpoint_log

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:", "https:")


def csp_directives(header: str) -> dict[str, list[str]]:
    """The policy as {directive: sources}."""
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


class _Inline(HTMLParser):
    """Collects what a strict CSP would block or what would leave the machine."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> event handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
            loads = name == "src" or (tag == "link" and name == "href")
            if loads and urlsplit(value or "").netloc:
                self.problems.append(f"<{tag} {name}={value}> loads from another host")
        self._in_script = tag == "script"
        if tag == "style":
            self.problems.append("<style> element")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline <script> body: {data.strip()[:60]!r}")


def inline_problems(html: str) -> list[str]:
    parser = _Inline()
    parser.feed(html)
    parser.close()
    return parser.problems


def assert_strict_csp(response) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP header on {response.request['PATH_INFO']}"
    policy = csp_directives(header)
    script_src = policy.get("script-src", policy.get("default-src"))
    style_src = policy.get("style-src", policy.get("default-src"))
    assert script_src == ["'self'"], header
    assert style_src == ["'self'"], header
    assert not set(UNSAFE) & set(policy["default-src"]), header
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.fixture
def walk(workspace, alice, alice_client, make_person, api_token):
    """Rows that make every conditional part of the pages show (notes, positions, an agenda
    item, an API token, an import), and the page URLs by name."""
    acme = organisation_create(workspace=workspace, name="Acme GmbH", notes="Zwei Zeilen\nNotiz")
    julia = make_person(first_name="Julia", last_name="Weber", notes="Mag Kaffee\nund Tee")
    employment_record(person=julia, organisation=acme, title="CTO")
    touchpoint_log(
        workspace=workspace,
        participants=[julia],
        summary="Kaffee in Köln",
        notes="Über Design Thinking gesprochen",
        created_by=alice,
    )
    upload = SimpleUploadedFile("people.csv", b"First Name,Last Name\nAnna,Schmidt\n")
    assert alice_client.post("/data/import/", {"file": upload, "format": "auto"}).status_code in (
        200,
        302,
    )
    job = ImportJob.objects.get(workspace=workspace)
    template_key = next(iter(shipped_templates()))
    return {
        "today": "/",
        "people": "/people/",
        "person": f"/people/{julia.pk}/",
        "person new": "/people/new/",
        "organisations": "/organisations/",
        "organisation": f"/organisations/{acme.pk}/",
        "log": "/log/",
        "templates": "/templates/",
        "template": f"/templates/{template_key}/",
        "compose": f"/people/{julia.pk}/compose/",
        "outbox": "/messages/",
        "data": "/data/",
        "import": f"/data/import/{job.pk}/",
        "import progress": f"/data/import/{job.pk}/progress/",
        "duplicates": "/data/duplicates/",
        "settings": "/settings/",
        "follow-up settings": "/settings/followups/",
        "reactivate": "/reactivate/",
        "api docs": "/api/v1/docs",
    }


PAGES = [
    "today",
    "people",
    "person",
    "person new",
    "organisations",
    "organisation",
    "log",
    "templates",
    "template",
    "compose",
    "outbox",
    "data",
    "import",
    "import progress",
    "duplicates",
    "settings",
    "follow-up settings",
    "reactivate",
    "api docs",
]


@pytest.mark.parametrize("name", PAGES)
def test_every_page_has_a_strict_csp_and_no_inline_script_handler_or_style(
    name, walk, alice_client
):
    response = alice_client.get(walk[name], follow=True)
    assert response.status_code == 200
    assert_strict_csp(response)
    assert inline_problems(response.content.decode()) == []


@pytest.mark.parametrize("path", ["/login/", "/signup/", "/password/reset/"])
def test_the_pages_before_login_have_a_strict_csp_and_no_inline_script(path, db):
    response = Client().get(path)
    assert response.status_code == 200
    assert_strict_csp(response)
    assert inline_problems(response.content.decode()) == []


@pytest.mark.parametrize(
    "request_page",
    [
        lambda c: c.get("/people/999999/"),  # a 404
        lambda c: c.get("/people/", headers={"HX-Request": "true"}),  # an htmx partial
        lambda c: c.post("/log/quick/", {"text": "Kaffee mit Niemand"}),  # a redirect
        lambda c: c.get("/api/v1/people"),  # a JSON answer (401 with a session only)
        lambda c: c.get("/api/v1/openapi.json"),
    ],
    ids=["404", "htmx partial", "redirect", "api", "openapi"],
)
def test_every_kind_of_response_carries_the_policy(
    request_page: Callable[[Client], object], alice_client
):
    assert_strict_csp(request_page(alice_client))


def test_htmx_is_configured_to_need_neither_inline_styles_nor_eval(alice_client):
    html = alice_client.get("/").content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, '
        '"allowEval": false, "allowScriptTags": false}\'>'
    ) in html


def test_the_inline_checker_finds_what_the_policy_would_block():
    html = (
        '<script>alert(1)</script><script src="/static/x.js"></script>'
        '<button onclick="x()">b</button><p style="color:red">p</p>'
        '<script src="https://cdn.example/x.js"></script><a href="javascript:x()">a</a>'
    )
    assert len(inline_problems(html)) == 5


def test_no_page_template_holds_an_inline_script_handler_or_style():
    """The pages the walk above does not reach are checked in their source (emails aside:
    a mail client, not our CSP, shows those)."""
    root = settings.BASE_DIR / "templates"
    found = {
        str(path.relative_to(root)): problems
        for path in sorted(root.rglob("*.html"))
        if "emails" not in path.parts and (problems := inline_problems(path.read_text()))
    }
    assert found == {}
