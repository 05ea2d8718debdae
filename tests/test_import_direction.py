"""The apps import one way: crm → contacts → deals → billing → documents → correspondence →
analytics → api. An app imports only the apps before it; the benchmark (bench) may import
them all and none imports it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ORDER = [
    "crm",
    "contacts",
    "deals",
    "billing",
    "documents",
    "correspondence",
    "analytics",
    "api",
    "bench",
]


def _imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", ORDER)
def test_an_app_imports_only_the_apps_before_it(app):
    later = set(ORDER[ORDER.index(app) + 1 :])
    wrong = {
        str(path.relative_to(ROOT)): sorted(_imported(path) & later)
        for path in (ROOT / app).rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    }
    assert {path: names for path, names in wrong.items() if names} == {}
