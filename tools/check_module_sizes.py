"""Fail when a module of ours outgrows one idea: no non-migration Python module over
MAX_LINES lines, as `ruff format` lays it out. A module that long usually holds two
concepts; split it into a package, as cases/services/ and cases/admin/ are.

    python tools/check_module_sizes.py
"""

from pathlib import Path
import sys

MAX_LINES = 450
ROOT = Path(__file__).resolve().parent.parent
SKIPPED_PARTS = {".venv", "var", "migrations", "node_modules", ".git"}


def oversized(root: Path = ROOT) -> list[tuple[int, Path]]:
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if SKIPPED_PARTS & set(relative.parts):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES:
            found.append((lines, relative))
    return sorted(found, reverse=True)


def main() -> int:
    too_long = oversized()
    for lines, path in too_long:
        print(f"{path}: {lines} lines (at most {MAX_LINES}); split it by concept")
    if not too_long:
        print(f"module sizes: every module at most {MAX_LINES} lines")
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
