"""
The import-layering check: our apps depend on each other one way only.

    core, audit, policy, accounts  <-  cases  <-  contacts  <-  visits  <-  compliance  <-  desk, preferences  <-  demo
                                                                         (and collections_site, bench above all)

An app may import an app below it, never one above it or beside it on a higher floor,
and a function-level import of another app (the way a cycle hides) is allowed only in a
Celery ``tasks.py`` module; migrations are not checked. Run: ``python tools/check_layers.py``
(exit 1 and one line per violation), or through the test suite (tests/test_layers.py).
"""

from __future__ import annotations

import ast
from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parent.parent
# Each app's floor; an app may import apps on lower floors only (and itself).
FLOORS = {
    "core": 0,
    "audit": 1,
    "policy": 2,
    "accounts": 2,
    "cases": 3,
    "contacts": 4,
    "visits": 5,
    "compliance": 6,
    "desk": 7,
    "preferences": 7,
    "api": 7,
    "demo": 8,
    "collections_site": 9,
    "bench": 9,
}
# Apps that may import each other although on one floor: none.


def python_files(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        yield path


def imported_apps(node: ast.AST, package: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name.split(".")[0] for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:  # relative: inside the same app
            return [package]
        return [(node.module or "").split(".")[0]]
    return []


def violations() -> list[str]:
    found = []
    for app, floor in FLOORS.items():
        for path in python_files(app):
            tree = ast.parse(path.read_text(), filename=str(path))
            where = path.relative_to(ROOT)
            top_level = {id(node) for node in tree.body}
            # Imports guarded at module level (if/try) count as module level.
            for node in tree.body:
                if isinstance(node, (ast.If, ast.Try)):
                    top_level.update(id(child) for child in ast.walk(node))
            for node in ast.walk(tree):
                for target in imported_apps(node, app):
                    if target == app or target not in FLOORS:
                        continue
                    if FLOORS[target] >= floor:
                        found.append(
                            f"{where}:{node.lineno}: {app} (floor {floor}) imports {target} "
                            f"(floor {FLOORS[target]}): dependencies flow down only"
                        )
                    elif id(node) not in top_level and path.name != "tasks.py":
                        found.append(
                            f"{where}:{node.lineno}: function-level import of {target}: import it at "
                            "the top of the module (a hidden import is how a cycle hides)"
                        )
    return found


def main() -> int:
    found = violations()
    for line in found:
        print(line)
    print(f"{len(found)} layering violation(s)" if found else "layering: dependencies flow one way")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
