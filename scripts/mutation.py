"""Mutation testing (mutmut 3) of the modules that decide who may see or dial what: break one rule at a time and
run the tests that should notice. Run through `scripts/mutation`, which sets up the virtualenv and services.

    scripts/mutation                          every module below, one after another
    scripts/mutation accounts/permissions.py  one module (or several)
    scripts/mutation --again MODULE           only the survivors of MODULE's last run, against its tests as they
                                              are now (after adding tests; the module itself must be unchanged)
    scripts/mutation --only PATTERN MODULE    only MODULE's mutants whose names match PATTERN (fnmatch, as mutmut
                                              names them, e.g. 'calls.services.dialing.x_predial_check__*'): the
                                              functions that decide, when the whole module would take too long;
                                              with --again, only the survivors matching PATTERN (repeatable)
    scripts/mutation --list                   the modules and the tests each is checked against

Each module gets a run directory, var/mutation/<module>/, laid out as mutmut expects: the project's files
(symlinked), a pyproject.toml with a [tool.mutmut] section naming that module and its tests, and mutmut's
`mutants/` copy, where the tests run. The copy gets a test database of its own (its name derives from the checkout
path, config/test_settings.py), kept between mutants (`--reuse-db`) so a mutant costs its tests, not a database,
and dropped at the end. One mutant at a time: the machine is shared. Survivors are printed with their diff;
`cd var/mutation/<module> && mutmut show <name>` shows one again. mutmut leaves decorated functions unmutated: a
rule worth checking lives in a plain function, wrapped where it is called (as tenants/channels.py's `_resolve`).
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).parent / "mutmut"
RUNS = ROOT / "var" / "mutation"

# Each module and the tests that should notice when one of its rules breaks.
MODULES = {
    "accounts/permissions.py": [
        "accounts/tests/test_api_keys.py",
        "accounts/tests/test_api_key_privileges.py",
        "accounts/tests/test_key_tenant_guard.py",
        "accounts/tests/test_permission_rules.py",
        "accounts/tests/test_team_api.py",
        "accounts/tests/test_two_factor.py",
        "tenants/tests/test_isolation.py",
        "tenants/tests/test_tenant_resolution.py",
    ],
    "accounts/authentication.py": [
        "accounts/tests/test_api_keys.py",
        "accounts/tests/test_api_key_use.py",
        "accounts/tests/test_auth_api.py",
        "accounts/tests/test_key_tenant_guard.py",
        "accounts/tests/test_user_activity.py",
        "config/tests/test_ratelimit.py",
    ],
    "calls/services/dialing.py": [
        "calls/tests/test_api_outbound.py",
        "calls/tests/test_dial_recovery.py",
        "calls/tests/test_dial_rules.py",
        "calls/tests/test_dial_concurrency.py",
        "compliance/tests/test_predial.py",
        "campaigns/tests/test_dispatch.py",
        "campaigns/tests/test_dial_guards.py",
        "campaigns/tests/test_bulk_scheduled_dnc.py",
        "config/tests/test_published_events.py",
        "billing/tests/test_quotas.py",
    ],
    "campaigns/services/dispatch.py": [
        "campaigns/tests/test_dispatch.py",
        "campaigns/tests/test_dispatch_guards.py",
        "campaigns/tests/test_dial_guards.py",
        "campaigns/tests/test_dial_race.py",
        "campaigns/tests/test_bulk_scheduled_dnc.py",
    ],
    "compliance/services.py": ["compliance/tests", "config/tests/test_published_events.py"],
    "calls/twilio/signature.py": [
        "calls/tests/test_signature_guards.py",
        "calls/tests/test_twilio_webhooks.py",
        "calls/tests/test_media_signature.py",
    ],
    "tenants/middleware.py": [
        "tenants/tests/test_tenant_resolution.py",
        "tenants/tests/test_tenant_choice_guards.py",
        "tenants/tests/test_ip_allowlist.py",
        "tenants/tests/test_isolation.py",
        "accounts/tests/test_api_keys.py",
        "accounts/tests/test_key_tenant_guard.py",
    ],
    "tenants/channels.py": [
        "accounts/tests/test_event_stream.py",
        "agents/tests/test_sandbox_websocket.py",
        "tenants/tests/test_socket_user_guard.py",
        "tenants/tests/test_socket_ip_allowlist.py",
        "calls/tests/test_live_call.py",
    ],
}

# Copied into mutants/ as they are; the Python packages (and conftest.py) are copied by mutmut as source.
NOT_COPIED = {".git", ".venv", "var", "mutants", "pyproject.toml"}


def project_entries() -> list[str]:
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted({line.split("/")[0] for line in listed.splitlines()} - NOT_COPIED)


def run_dir_of(module: str) -> Path:
    return RUNS / module.removesuffix(".py").replace("/", ".")


def source_hash(module: str) -> str:
    return hashlib.sha256((ROOT / module).read_bytes()).hexdigest()


def prepare(module: str, tests: list[str]) -> Path:
    run_dir = run_dir_of(module)
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir(parents=True)
    entries = project_entries()
    for entry in entries:
        (run_dir / entry).symlink_to(ROOT / entry)
    sources = [e for e in entries if (ROOT / e / "__init__.py").exists() or e in ("conftest.py", "manage.py")]
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert "[tool.mutmut]" not in pyproject, "scripts/mutation writes the mutmut section itself"
    section = {
        "source_paths": sources,
        "also_copy": [e for e in entries if e not in sources] + ["pyproject.toml"],
        "only_mutate": [module],
        "pytest_add_cli_args_test_selection": tests,
        "pytest_add_cli_args": ["--reuse-db", "-p", "no:cacheprovider"],
        # Every test run in a fresh child of a process that never opened a database connection or started a
        # thread: a child of the default `fork` mode inherits the parent's connections and dead thread pools.
        "process_isolation": "forkserver",
    }
    lines = ["", "[tool.mutmut]"] + [f"{key} = {json.dumps(value)}" for key, value in section.items()]
    (run_dir / "pyproject.toml").write_text(pyproject + "\n".join(lines) + "\n")
    tomllib.loads((run_dir / "pyproject.toml").read_text())  # fail here, not inside mutmut
    return run_dir


def drop_test_database(run_dir: Path) -> None:
    """The mutants copy's own test database (kept between mutants by --reuse-db)."""
    code = (
        "import django; django.setup(); from django.conf import settings; from django.db import connection;"
        "name = settings.DATABASES['default']['TEST']['NAME'];"
        "connection.cursor().execute(f'DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)')"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    subprocess.run([sys.executable, "-c", code], cwd=run_dir / "mutants", env=env, check=False)


def figures(run_dir: Path, module: str) -> dict:
    subprocess.run([MUTMUT, "export-cicd-stats"], cwd=run_dir, check=True, capture_output=True)
    stats = json.loads((run_dir / "mutants" / "mutmut-cicd-stats.json").read_text())
    return {"module": module, **stats}


def statuses(run_dir: Path) -> dict[str, str]:
    listed = subprocess.run([MUTMUT, "results", "--all", "true"], cwd=run_dir, capture_output=True, text=True).stdout
    return dict(line.strip().rsplit(": ", 1) for line in listed.splitlines() if ": " in line)


def show_survivors(run_dir: Path, names: list[str]) -> None:
    for name in names:
        shown = subprocess.run([MUTMUT, "show", name], cwd=run_dir, capture_output=True, text=True).stdout
        print(f"\n--- survived: {name}\n{shown}")


def run(module: str, *, again: bool = False, only: list[str] | None = None) -> dict:
    tests = MODULES[module]
    before = json.loads((run_dir_of(module) / "report.json").read_text()) if again else None
    if before is not None and before["source_hash"] != source_hash(module):
        sys.exit(f"{module} changed since its last run: run it in full (scripts/mutation {module}).")
    if before:
        names = [name for name in before["survivors"] if not only or any(fnmatch(name, p) for p in only)]
        if not names:
            return before
    else:
        names = only or []
    run_dir = prepare(module, tests)
    print(f"\n=== {module}: against {' '.join(tests)}", flush=True)
    try:
        subprocess.run([MUTMUT, "run", "--max-children", "1", *names], cwd=run_dir, check=True)
        status = statuses(run_dir)
        if before:
            # The other mutants were killed (or not covered) by tests that are still there.
            found = dict(before)
            for result in ("killed", "timeout"):
                now_dead = sum(status.get(name) == result for name in names)
                found[result] += now_dead
                found["survived"] -= now_dead
            found["survivors"] = [
                name for name in before["survivors"] if name not in names or status.get(name) == "survived"
            ]
        else:
            found = {**figures(run_dir, module), "source_hash": source_hash(module), "only": only}
            found["survivors"] = [name for name, result in status.items() if result == "survived"]
        show_survivors(run_dir, [name for name in found["survivors"] if name in names or not before])
    finally:
        drop_test_database(run_dir)
    (run_dir / "report.json").write_text(json.dumps(found, indent=2))
    return found


def report(rows: list[dict]) -> None:
    print(
        f"\n{'module':34} {'mutants':>7} {'killed':>6} {'survived':>8} {'no tests':>8} {'timeout':>7} {'survival':>8}"
    )
    for row in rows:
        tried = row["killed"] + row["survived"] + row["timeout"] + row["suspicious"]
        if row.get("only"):  # the other mutants were not checked
            print(f"{row['module']}: only {' '.join(row['only'])}, {tried} of its {row['total']} mutants")
        rate = f"{100 * row['survived'] / tried:.1f}%" if tried else "-"
        print(
            f"{row['module']:34} {row['total']:>7} {row['killed']:>6} {row['survived']:>8} "
            f"{row['no_tests']:>8} {row['timeout']:>7} {rate:>8}"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["--list"]:
        for module, tests in MODULES.items():
            print(f"{module}\n  " + "\n  ".join(tests))
        return 0
    again = "--again" in argv
    only, modules = [], []
    for previous, arg in zip([None, *argv], argv):
        if previous == "--only":
            only.append(arg)
        elif arg not in ("--only", "--again"):
            modules.append(arg)
    unknown = [module for module in modules if module not in MODULES]
    if unknown or (again and not modules):
        print(f"Not a module this script checks: {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 2
    rows, failed = [], []
    for module in modules or MODULES:
        try:
            rows.append(run(module, again=again, only=only or None))
        except subprocess.CalledProcessError:
            failed.append(module)  # mutmut said why above (e.g. the clean test run failed)
    report(rows)
    if failed:
        print(f"\nmutmut failed on: {', '.join(failed)}", file=sys.stderr)
        return 1
    (RUNS / "last-report.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
