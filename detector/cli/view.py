"""The terminal view of a result: verdict, score against the threshold, and the evidence highlighted in place."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from detector.reasons import VERDICT_CODES

COLOURS = {"personal": "green", "smile": "yellow", "bulk": "cyan", "error": "red"}
VERDICTS = ("personal", "smile", "bulk", "error")


class ResultView:
    """Shows results one by one, then `summary()`: how many of each verdict."""

    def __init__(self, threshold: float, console: Console | None = None):
        self.threshold = threshold
        self.console = console or Console()
        self.counts: Counter[str] = Counter()

    def show(self, result: dict[str, Any]) -> None:
        """One result: its verdict and score, the reasons that moved it with their evidence in place."""
        verdict = result["verdict"]
        self.counts[verdict] += 1
        colour = COLOURS.get(verdict, "white")
        head = f"[bold]{escape(str(result['id']))}[/bold]  [{colour} bold]{verdict.upper()}[/]"
        if result["score"] is not None:
            head += f"  score {result['score']:.2f} (threshold {self.threshold:.2f})"
        self.console.print(head)
        if result.get("error"):
            self.console.print(f"  [red]{escape(result['error'])}[/]")
            return
        # a zero weight did not move the score; a user's own rule set the verdict without one
        reasons = [r for r in result["reasons"] if r["weight"] or r["code"] in VERDICT_CODES]
        if reasons:
            table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
            table.add_column("reason")
            table.add_column("weight", justify="right")
            table.add_column("evidence")
            for reason in reasons:
                evidence = ", ".join(f"[reverse]{escape(e['text'])}[/reverse]" for e in reason["evidence"][:4])
                weight = "your rule" if reason["code"] in VERDICT_CODES else f"{reason['weight']:+.2f}"
                table.add_row(reason["code"], weight, evidence or escape(reason["description"]))
            self.console.print(table)
        depth = (result.get("personalization") or {}).get("depth")
        if depth:
            self.console.print(f"  personalization: {depth}")
        voice = result.get("voice")
        if voice:
            self.console.print(f"  synthetic voice: {voice['synthetic']:.0%}")
            if voice.get("transcript") is not None:
                self.console.print(f"  transcript: {escape(voice['transcript'])}")
        self.console.print()

    def summary(self) -> None:
        """How many results of each verdict were shown."""
        total = sum(self.counts.values())
        parts = ", ".join(f"{self.counts[v]:,} {v}" for v in VERDICTS if self.counts[v] or v != "error")
        self.console.print(f"[bold]{total:,} message{'s' if total != 1 else ''}:[/bold] {parts}")
