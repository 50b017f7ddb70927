"""The apps import one way only, in the order the README writes down (How it is built): an app may import the apps
before it, never one after it. A lower app that must reach a higher one takes a registration instead."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def readme_order() -> list[str]:
    """The apps as the README's "How it is built" table lists them, top to bottom."""
    section = (ROOT / "README.md").read_text().split("## How it is built", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, flags=re.MULTILINE)


ORDER = readme_order()
# The composition root wires every app together (ASGI, WebSocket and URL routing): it sits above them all.
COMPOSITION_ROOT = {"config/asgi.py", "config/routing.py", "config/urls.py"}


def imported_apps(path: Path) -> set[str]:
    """Every app a module imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in ORDER)
    return found


def product_modules():
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            relative = path.relative_to(ROOT)
            if {"tests", "migrations"} & set(relative.parts) or str(relative) in COMPOSITION_ROOT:
                continue
            yield app, relative


def test_the_readme_orders_every_app_of_the_project():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"config"}
    assert ORDER[0] == "config" and apps == set(ORDER), f"The README's table should list {sorted(apps)}."


def test_no_app_imports_an_app_above_it():
    wrong = sorted(
        f"{module} imports {other}"
        for app, module in product_modules()
        for other in imported_apps(ROOT / module)
        if ORDER.index(other) > ORDER.index(app)
    )
    assert wrong == []


def test_the_check_sees_a_lazy_import_of_a_higher_app(tmp_path):
    module = tmp_path / "example.py"
    module.write_text("def f():\n    from calls.models import Call\n    return Call\n")
    assert imported_apps(module) == {"calls"}
