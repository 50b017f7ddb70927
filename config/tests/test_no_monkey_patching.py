"""No module of ours replaces an attribute of a third-party module at run time: every upgrade of Django, daphne,
uvicorn, Twisted, Channels, redis-py... could silently break what such a patch assumed.

Two checks: our source, read (an assignment, `setattr` or `delattr` whose target is reached through an imported
third-party name), and a fresh interpreter that imports the servers' entry points and every module of ours, then
finds the third-party modules' attributes (and their classes') as they were before. The first names the line; the
second also catches a patch made through a variable (`setattr(owner, name, ...)` in a helper).
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = sorted(path.parent.name for path in ROOT.glob("*/__init__.py"))
# Objects made to be configured by assignment, not modules' code: `settings.X = ...` (the tests' overrides).
CONFIGURABLE = {"django.conf.settings"}


def our_sources():
    for package in OURS:
        yield from (ROOT / package).rglob("*.py")


def third_party_names(tree: ast.Module) -> dict[str, str]:
    """Local name -> the third-party module (or member) it was imported as."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] not in OURS:
                    # `import a.b` binds `a`; `import a.b as c` binds `c` to `a.b`.
                    names[alias.asname or alias.name.split(".")[0]] = (
                        alias.name if alias.asname else alias.name.split(".")[0]
                    )
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.split(".")[0] not in OURS:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def root_name(node):
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def patches_in(tree: ast.Module) -> list[tuple[int, str]]:
    imported = third_party_names(tree)
    # A function's parameter of the same name (the `settings` fixture) is not the import.
    shadowed = {
        arg.arg
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
        for arg in (*node.args.args, *node.args.kwonlyargs, *node.args.posonlyargs)
    }

    def third_party(target) -> str | None:
        name = root_name(target)
        if name is None or name not in imported or name in shadowed:
            return None
        return None if imported[name] in CONFIGURABLE else imported[name]

    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for target in targets:
            for element in target.elts if isinstance(target, ast.Tuple | ast.List) else [target]:
                if isinstance(element, ast.Attribute) and (module := third_party(element)):
                    found.append((node.lineno, f"assigns {ast.unparse(element)} ({module})"))
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if called in ("setattr", "delattr") and (module := third_party(node.args[0])):
                found.append((node.lineno, f"{called}({ast.unparse(node.args[0])}, ...) ({module})"))
    return found


def test_no_module_of_ours_assigns_to_an_attribute_of_a_third_party_module():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in our_sources()
        for line, what in patches_in(ast.parse(path.read_text(), str(path)))
    ]
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        "import twisted.internet.tcp\ntwisted.internet.tcp.Server.write = lambda self, data: None\n",
        "from daphne.ws_protocol import WebSocketProtocol\nWebSocketProtocol.onMessage = None\n",
        "import autobahn.websocket.protocol as protocol\nsetattr(protocol, 'create_xor_masker', None)\n",
        "from channels import consumer\nconsumer.AsyncConsumer.dispatch, x = None, 1\n",
    ],
)
def test_the_scan_finds_a_patch(source):
    assert patches_in(ast.parse(source))


def test_the_scan_leaves_our_own_modules_and_settings_alone():
    source = (
        "from django.conf import settings\nfrom agents.providers import registry\nimport redis\n"
        "settings.DEBUG = True\nregistry.X = 1\nclient = redis.Redis()\n"
        "def test(settings):\n    settings.DEBUG = False\n"
    )
    assert patches_in(ast.parse(source)) == []


# Run in a fresh interpreter: snapshot the third-party modules the servers run on, import ours, compare.
CHECK = """
import importlib, inspect, os, pkgutil, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
THIRD_PARTY = sys.argv[1].split(",")
OURS = sys.argv[2].split(",")
modules = [importlib.import_module(name) for name in THIRD_PARTY]

def attributes():
    found = {}
    for module in modules:
        for name, value in list(vars(module).items()):
            found[(module.__name__, name)] = value
            if inspect.isclass(value) and value.__module__ == module.__name__:
                for member, item in list(vars(value).items()):
                    found[(module.__name__, f"{name}.{member}")] = item
    return found

before = attributes()
import django
django.setup()
import config.asgi, config.media_server, config.celery
for package in OURS:
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if ".tests" not in info.name and not info.name.endswith(".tests"):
            importlib.import_module(info.name)
after = attributes()
changed = sorted(f"{module}.{name}" for (module, name), value in before.items() if after.get((module, name)) is not value)
# A method added to a class that inherited it is a replacement too.
changed += sorted(f"{module}.{name}" for (module, name) in after.keys() - before.keys() if "." in name)
print("\\n".join(changed), flush=True)
# Done: skip the interpreter's clean-up of every module imported, which took seconds more than the check.
os._exit(0)
"""
THIRD_PARTY = [
    "asyncio.events",
    # What sentry-sdk's default integrations would patch (config/sentry.py starts it without them).
    "celery.app.trace",
    "django.core.handlers.base",
    "http.client",
    "logging",
    "subprocess",
    "threading",
    "autobahn.twisted.websocket",
    "autobahn.websocket.protocol",
    "channels.consumer",
    "channels.db",
    "channels.generic.websocket",
    "channels.routing",
    "channels_redis.core",
    "daphne.http_protocol",
    "daphne.server",
    "daphne.ws_protocol",
    "django.core.handlers.asgi",
    "django.db",
    "django.db.backends.base.base",
    "redis.asyncio.client",
    "redis.client",
    "twisted.internet.asyncioreactor",
    "twisted.internet.tcp",
    "uvicorn.protocols.websockets.websockets_sansio_impl",
    "uvicorn.protocols.websockets.wsproto_impl",
    "uvicorn.server",
    "websockets.asyncio.connection",
    "websockets.protocol",
]


@pytest.mark.slow
@pytest.mark.parametrize("sentry_dsn", ["", "http://key@127.0.0.1:9/1"], ids=["without-sentry", "with-sentry"])
def test_importing_the_servers_and_every_module_of_ours_leaves_third_party_modules_as_they_were(sentry_dsn):
    packages = [package for package in OURS if package != "bench"]
    finished = subprocess.run(
        [sys.executable, "-c", CHECK, ",".join(THIRD_PARTY), ",".join(packages)],
        env={**os.environ, "SENTRY_DSN": sentry_dsn},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    assert finished.stdout.split() == []
