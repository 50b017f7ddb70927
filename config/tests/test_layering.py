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


def module_name(relative: Path) -> str:
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Module -> our modules it imports when it is loaded (its top-level imports; a `from package import name`
    counts as the submodule `package.name` when there is one, else as the package)."""
    modules = {module_name(relative): ROOT / relative for _, relative in product_modules()}
    graph = {}
    for name, path in modules.items():
        targets = set()
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                for alias in node.names:
                    submodule = f"{node.module}.{alias.name}"
                    targets.add(submodule if submodule in modules else node.module)
        graph[name] = {target for target in targets if target in modules and target != name}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []

    def visit(module):
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph[module]:
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1:
                found.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return found


def test_no_module_of_ours_imports_itself_through_others():
    assert cycles(import_graph()) == []


def test_the_cycle_check_finds_a_loop():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
