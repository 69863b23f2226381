"""The terminal view of a result: verdict, score, and the evidence highlighted in place."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

COLOURS = {"personal": "green", "smile": "yellow", "bulk": "cyan", "error": "red"}


class ResultView:
    def __init__(self, console: Console | None = None):
        self.console = console or Console()

    def show(self, result: dict[str, Any]) -> None:
        verdict = result["verdict"]
        colour = COLOURS.get(verdict, "white")
        head = f"[bold]{escape(str(result['id']))}[/bold]  [{colour} bold]{verdict.upper()}[/]"
        if result["score"] is not None:
            head += f"  score {result['score']:.2f}"
        self.console.print(head)
        if result.get("error"):
            self.console.print(f"  [red]{escape(result['error'])}[/]")
            return
        table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
        table.add_column("reason")
        table.add_column("weight", justify="right")
        table.add_column("evidence")
        for reason in result["reasons"]:
            evidence = ", ".join(f"[reverse]{escape(e['text'])}[/reverse]" for e in reason["evidence"][:4])
            table.add_row(reason["code"], f"{reason['weight']:+.2f}", evidence or reason["description"])
        self.console.print(table)
        depth = (result.get("personalization") or {}).get("depth")
        if depth:
            self.console.print(f"  personalization: {depth}")
        self.console.print()
