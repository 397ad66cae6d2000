"""
The growth series: reports of ``manage.py bench --sections nightly`` on books of several
sizes, turned into each nightly step's cost per case, the spread of the whole night's cost
per case across the sizes, and a chart (bench/README.md "Cost that grows linearly").

    python -m bench.growth bench/results/growth-*.json            # markdown table and chart
    python -m bench.growth --json bench/results/growth-*.json     # the same as JSON

Needs no database and no Django: it reads the JSON reports only.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
import sys

# The night's cost per case may move this far from the series' mean and still count as
# linear (the issue's ±25%).
LINEAR_TOLERANCE = 0.25


def _per_case_us(seconds, cases: int) -> float | None:
    if seconds is None or not cases:
        return None
    return round(seconds / cases * 1_000_000, 2)


def series(reports: list[dict]) -> dict:
    """Rows of cost per case (microseconds) by size, and whether the night stayed linear."""
    rows = []
    for report in sorted(reports, key=lambda report: report["cases"]):
        cases = report["cases"]
        nightly = report["refresh_delinquency"]
        night = nightly.get("whole_night") or {}
        steps = {
            name: _per_case_us(step.get("seconds"), cases)
            for name, step in {**nightly.get("steps_first_run", {}), **night.get("steps", {})}.items()
            if isinstance(step, dict)
        }
        rows.append(
            {
                "cases": cases,
                "contact_attempts": report.get("contact_attempts"),
                "night_seconds": night.get("seconds"),
                "night_us_per_case": _per_case_us(night.get("seconds"), cases),
                "floor_seconds": (nightly.get("night_floor") or {}).get("seconds"),
                "refresh_us_per_case": _per_case_us(nightly["first_run"]["seconds"], cases),
                "dpd_floor_us_per_case": _per_case_us(nightly["raw_floor"]["seconds"], cases),
                "steps_us_per_case": steps,
            }
        )
    costs = [row["night_us_per_case"] for row in rows if row["night_us_per_case"] is not None]
    mean = sum(costs) / len(costs) if costs else None
    spread = max(abs(cost - mean) / mean for cost in costs) if costs and mean else None
    return {
        "rows": rows,
        "night_mean_us_per_case": round(mean, 2) if mean else None,
        "night_largest_deviation": round(spread, 3) if spread is not None else None,
        "night_linear_within_25_percent": spread is not None and spread <= LINEAR_TOLERANCE,
    }


def markdown(result: dict) -> str:
    rows = result["rows"]
    step_names = list(dict.fromkeys(name for row in rows for name in row["steps_us_per_case"]))
    header = ["cases", "whole night (s)", "night µs/case", *[f"{name} µs/case" for name in step_names]]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [f"{row['cases']:,}", _cell(row["night_seconds"]), _cell(row["night_us_per_case"])]
        cells += [_cell(row["steps_us_per_case"].get(name)) for name in step_names]
        lines.append("| " + " | ".join(cells) + " |")
    deviation = result["night_largest_deviation"]
    lines.append("")
    lines.append(
        f"Largest deviation of the night's cost per case from the series' mean "
        f"({_cell(result['night_mean_us_per_case'])} µs): "
        f"{deviation:.0%}" + (" (within ±25%)" if result["night_linear_within_25_percent"] else " (outside ±25%)")
        if deviation is not None
        else "No whole-night figures in these reports."
    )
    lines += ["", *chart(rows)]
    return "\n".join(lines)


def chart(rows: list[dict]) -> list[str]:
    """A Mermaid xy chart (rendered by GitHub and most Markdown viewers): the night's cost
    per case by book size."""
    measured = [row for row in rows if row["night_us_per_case"] is not None]
    if not measured:
        return []
    top = max(row["night_us_per_case"] for row in measured) * 1.5
    labels = ", ".join(f'"{row["cases"] // 1000:,}k"' for row in measured)
    values = ", ".join(f"{row['night_us_per_case']:.1f}" for row in measured)
    return [
        "```mermaid",
        "xychart-beta",
        '    title "Nightly cycle: cost per case by book size"',
        f"    x-axis [{labels}]",
        f'    y-axis "microseconds per case" 0 --> {top:.0f}',
        f"    bar [{values}]",
        f"    line [{values}]",
        "```",
    ]


def _cell(value) -> str:
    if value is None:
        return "–"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="Print the series as JSON.")
    options = parser.parse_args(argv)
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in options.reports]
    result = series(reports)
    sys.stdout.write((json.dumps(result, indent=2) if options.json else markdown(result)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
