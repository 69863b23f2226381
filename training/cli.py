"""Training-side subcommands of `sincere` (data, train, eval), plugged in by entry point."""

from __future__ import annotations

import typer

data_app = typer.Typer(help="Build and inspect the labelled corpus.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")
