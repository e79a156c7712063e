"""The services' layering as ARCHITECTURE.md states it: only `app.py` and the `api*.py` modules know HTTP. Schemas,
the service layer, queries, handlers and rules import no part of the platform's web layer (`courtlink_shared.web`),
so that they can be called, and tested, without a request. The console is a web application throughout and is
not one of the services meant here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "finance-mediation", "enforcement-inquiry", "judicial-advice")
WEB = "courtlink_shared.web"
EDGE = re.compile(r"^(app|api(_\w+)?)\.py$")


def _imported_modules(tree: ast.Module) -> list[tuple[int, str]]:
    """Every module a file imports, with the line: `import a.b`, `from a.b import c` (as a.b and a.b.c)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _web_imports_outside_the_edge() -> list[str]:
    offences = []
    for service in SERVICES:
        for path in sorted((ROOT / "services" / service / "src").rglob("*.py")):
            if EDGE.match(path.name):
                continue
            for line, module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
                if module == WEB or module.startswith(f"{WEB}."):
                    offences.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return offences


def test_only_app_and_api_modules_of_a_service_import_the_web_layer() -> None:
    assert _web_imports_outside_the_edge() == []


def test_the_layering_check_sees_an_import_of_the_web_layer() -> None:
    tree = ast.parse("from courtlink_shared import web\nfrom courtlink_shared.web.problems import NotFound\n")
    modules = {module for _, module in _imported_modules(tree)}
    assert {"courtlink_shared.web", "courtlink_shared.web.problems"} <= modules
    assert EDGE.match("api_roster.py")
    assert EDGE.match("app.py")
    assert not EDGE.match("service.py")
