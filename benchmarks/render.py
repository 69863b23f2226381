"""Write BENCHMARKS.md and benchmarks/results.json from the fragments one `benchmarks/run` produced.

Every sub-benchmark is a script that writes one JSON fragment (with `write_fragment`):

    {"benchmark": "peers",                      # key, the script's name
     "title": "Sincere against SpamAssassin and rspamd",
     "data": "what was measured, with the sample sizes",
     "tables": [{"caption": "...", "columns": [...], "rows": [[...], ...]}],   # optional
     "notes": ["...", ...],                     # optional
     "metrics": {...}}                          # machine-readable figures, copied to results.json

A fragment without tables is shown as its flattened metrics. `benchmarks/run` also writes
`status.tsv` (name, status, exit code, seconds, reason) so a benchmark that is missing, skipped
or failed is reported as such instead of silently dropped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
LIBRARIES = ("sincere", "numpy", "scipy", "scikit-learn", "pandas", "pyarrow", "skops", "torch",
             "transformers", "fastapi", "uvicorn", "httpx")


def write_fragment(fragment: dict[str, Any], out: Path | None) -> None:
    """How every sub-benchmark ends: its fragment written where benchmarks/run asked (`--out`), and
    its metrics printed for whoever runs it by hand."""
    if out:
        out.write_text(json.dumps(fragment, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(fragment["metrics"], indent=2, ensure_ascii=False))


def _machine(load_at_start: str | None = None) -> dict[str, Any]:
    cpu = platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    libraries = {}
    for name in LIBRARIES:
        try:
            libraries[name] = version(name)
        except PackageNotFoundError:
            continue
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "libraries": libraries,
        "load_average_at_start": load_at_start,
        "load_average_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def read_status(folder: Path) -> list[dict[str, Any]]:
    """Rows of status.tsv: name, status (ok, failed, missing, skipped), exit code, seconds, reason."""
    path = folder / "status.tsv"
    rows = []
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            name, status, code, seconds, reason = (line.split("\t") + [""] * 5)[:5]
            rows.append({"name": name, "status": status, "exit_code": int(code) if code.lstrip("-").isdigit() else None,
                         "seconds": float(seconds) if seconds else None, "reason": reason})
    return rows


def collect(folder: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Status rows for every benchmark run tried (fragments without a status row count as ok) and the fragments."""
    status = read_status(folder)
    fragments: dict[str, dict[str, Any]] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            fragment = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            status.append({"name": path.stem, "status": "failed", "exit_code": None, "seconds": None,
                           "reason": f"fragment unreadable ({type(exc).__name__})"})
            continue
        if isinstance(fragment, dict):
            fragments[path.stem] = fragment
    known = {row["name"] for row in status}
    status += [{"name": n, "status": "ok", "exit_code": 0, "seconds": None, "reason": ""} for n in fragments if n not in known]
    for row in status:
        if row["status"] == "ok" and row["name"] not in fragments:
            row.update(status="failed", reason="finished without writing its fragment")
    return status, fragments


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _flatten(item, f"{prefix}.{key}" if prefix else str(key))]
    return [(prefix, value)]


def _cell(value: Any) -> str:
    """Floats to three decimals, or two significant digits below 0.01: a share of 0.00078 must not
    read as 0.001 beside a 0.1 % target."""
    if isinstance(value, float):
        if 0 < abs(value) < 0.01:
            return f"{value:.2g}"
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(columns: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(map(_cell, columns)) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _section(name: str, fragment: dict[str, Any]) -> str:
    parts = [f"## {fragment.get('title') or name}", ""]
    if fragment.get("data"):
        parts += [f"Data: {fragment['data']}", ""]
    tables = fragment.get("tables") or [{"caption": "", "columns": ["figure", "value"],
                                         "rows": [list(p) for p in _flatten(fragment.get("metrics", {}))]}]
    for t in tables:
        if t.get("caption"):
            parts += [f"**{t['caption']}**", ""]
        parts += [_table(t["columns"], t["rows"]), ""]
    parts += [f"- {note}" for note in fragment.get("notes", [])]
    return "\n".join(parts).rstrip() + "\n"


def render(folder: Path, report: Path, results: Path, load_at_start: str | None = None,
           full: bool = False) -> dict[str, Any]:
    """Write BENCHMARKS.md and results.json from one run's fragments folder: the machine, every benchmark's
    status, then one section per fragment; returns what results.json holds."""
    status, fragments = collect(folder)
    now = datetime.now(UTC)
    info = _machine(load_at_start)
    libs = ", ".join(f"{k} {v}" for k, v in info["libraries"].items())
    total = sum(row["seconds"] or 0 for row in status)
    run_rows = [[row["name"], row["status"], f"{row['seconds']:.0f} s" if row["seconds"] is not None else "",
                 row["reason"] or ""] for row in status]
    text = [
        "# Benchmarks",
        "",
        f"Generated by `benchmarks/run{' --full' if full else ''}` on {now:%Y-%m-%d %H:%M} UTC; every figure below "
        "is written by that command.",
        "",
        f"Machine: {info['cores']} cores ({info['cpu']}), {info['memory_gib']} GiB memory, {info['os']}, "
        f"Python {info['python']}; {libs}.",
        f"Load average (1, 5, 15 min) at start: {info['load_average_at_start'] or 'not recorded'}; "
        f"at end: {info['load_average_at_end']}.",
        "",
        f"Run: {len(status)} benchmarks, {total:.0f} s in all.",
        "",
        _table(["benchmark", "status", "time", "note"], run_rows),
        "",
    ]
    for row in status:
        if row["name"] in fragments:
            text.append(_section(row["name"], fragments[row["name"]]))
    report.write_text("\n".join(text).rstrip() + "\n", encoding="utf-8")
    data = {
        "date": now.isoformat(timespec="seconds"),
        "full": full,
        "machine": info,
        "run": status,
        "benchmarks": {name: {k: v for k, v in f.items() if k != "tables"} for name, f in fragments.items()},
    }
    results.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


def main() -> None:
    """Render the fragments folder benchmarks/run filled."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fragments", type=Path, help="folder of JSON fragments (and status.tsv)")
    parser.add_argument("--report", type=Path, default=REPO / "BENCHMARKS.md")
    parser.add_argument("--results", type=Path, default=REPO / "benchmarks" / "results.json")
    parser.add_argument("--load-at-start", help="load average when the run began")
    parser.add_argument("--full", action="store_true", help="the run used `benchmarks/run --full` sizes")
    args = parser.parse_args()
    data = render(args.fragments, args.report, args.results, args.load_at_start, args.full)
    print(f"wrote {args.report} and {args.results}: " +
          ", ".join(f"{r['name']} {r['status']}" for r in data["run"]))


if __name__ == "__main__":
    main()
