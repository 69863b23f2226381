"""The counts section of `data/DATASHEET.md`, rendered from a build report so the two never disagree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

START, END = "<!-- counts:start -->", "<!-- counts:end -->"
SPLITS = ("train", "val", "test")


def _table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(f"{v:,}" if isinstance(v, int) else str(v) for v in row) + " |" for row in rows]
    return lines


def _split_rows(nested: dict[str, dict[str, dict[str, int]]]) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    for outer, inner in nested.items():
        for key, splits in inner.items():
            counts = [splits.get(s, 0) for s in SPLITS]
            rows.append((outer, key, *counts, sum(counts)))
    totals = [sum(row[2 + i] for row in rows) for i in range(len(SPLITS))]
    return rows + [("**all**", "", *totals, sum(totals))]


def render_counts(report: dict[str, Any]) -> str:
    """Markdown for the counts section: rows per label x channel x split, per source, and what was dropped."""
    extras = report.get("extra_records", {})
    lines = [
        f"Built with seed {report['seed']}: {report['rows']:,} rows, of which {extras.get('count', 0):,} are the "
        "project's own records (template library and hand-written). Inputs (sha256):",
        "",
        *[f"* `{name}` `{digest}`" for name, digest in sorted(report["inputs"].items())],
        "",
        f"Spam rows greeted by name (see above): {report.get('named_spam', 0):,}.",
        "",
        "Rows per label, channel and split:",
        "",
        *_table(("label", "channel", *SPLITS, "total"), _split_rows(report["counts"])),
        "",
        "Rows per source, label and split:",
        "",
        *_table(("source", "label", *SPLITS, "total"), _split_rows(report["by_source"])),
        "",
        "Records left out:",
        "",
        *_table(("source", "unreadable (warned, file:line)", "empty body"),
                [(s, c["unreadable"], c["empty_body"]) for s, c in sorted(report["skipped"].items())]),
        "",
        *_table(("dropped as", "source", "records"),
                [(reason, source, n) for reason, by_source in sorted(report["dedup"].items())
                 for source, n in sorted(by_source.items())]),
    ]
    return "\n".join(lines)


def counts_section(text: str) -> str:
    """The text between the markers, stripped; `ValueError` when the markers are missing."""
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the datasheet has no {START} ... {END} section")
    return text[start + len(START):end].strip()


def update_datasheet(path: Path, report: dict[str, Any]) -> None:
    """Replace the counts section of the datasheet at `path` in place."""
    text = Path(path).read_text(encoding="utf-8")
    counts_section(text)
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    Path(path).write_text(f"{head}{START}\n{render_counts(report)}\n{END}{tail}", encoding="utf-8")
