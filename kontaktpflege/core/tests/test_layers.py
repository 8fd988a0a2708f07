"""One direction of dependencies: a domain app imports only from the layers below it.

Hidden imports inside functions count too; higher layers subscribe to core.facts instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lowest first. The interfaces (web, api, bench) may use every domain app.
LAYERS = [
    "core",
    "accounts",
    "contacts",
    "touchpoints",
    "followups",
    "messaging",
    "network",
    "applications",
    "recruiting",
    "privacy",
    "dataio",
]


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {m.split(".")[1] for m in found if m.startswith("kontaktpflege.") and "." in m}


def _modules(app: str) -> list[Path]:
    return [
        p
        for p in (ROOT / app).rglob("*.py")
        if "tests" not in p.parts and "migrations" not in p.parts and p.name != "bench.py"
    ]


@pytest.mark.parametrize("app", LAYERS)
def test_a_domain_app_imports_nothing_from_a_layer_above_it(app):
    above = set(LAYERS[LAYERS.index(app) + 1 :]) | {"web", "api"}
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & above)
        for path in _modules(app)
        if _imports(path) & above
    }
    assert wrong == {}


def test_the_checker_sees_an_import_hidden_inside_a_function(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from kontaktpflege.followups.services import x\n")
    assert _imports(module) == {"followups"}
