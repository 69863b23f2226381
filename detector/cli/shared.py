"""What every shell of `sincere` shares: its exit statuses, one-line failures, and loading the model
once (a bad bundle is one line and exit 2 before any input is read)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from detector.models.selection import resolve_model

if TYPE_CHECKING:
    from detector.engine import Detector
    from detector.sender_rules import SenderList

EXIT_OK, EXIT_SOME_ERRORS, EXIT_BAD_INPUT, EXIT_CRASH = 0, 1, 2, 3
RULES_HELP = ("Your sender rules, YAML or JSON {allow: [...], deny: [...]} of addresses, profile URLs or domains: "
              "an allowed sender's messages are personal, a denied one's smile (the score stays the model's).")


def fail(message: str, status: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print `error: message` on stderr and exit: a user's mistake is one line, never a traceback."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(status)


def load_detector(model: Path | None) -> Detector:
    """The bundle chosen by --model, $SINCERE_MODEL, `sincere models use` or the shipped default."""
    from detector.engine import Detector
    from detector.models.artifacts import BundleError

    choice = resolve_model(model)
    try:
        return Detector.open(choice.path)
    except BundleError as exc:
        fail(f"{exc} (bundle chosen by {choice.source})")


def load_sender_rules(path: Path | None) -> SenderList | None:
    """The `--rules FILE` of `score` and `scan`: None without one; a file that cannot be used exits 2."""
    from detector.sender_rules import SenderList, SenderRulesError

    if path is None:
        return None
    try:
        return SenderList.load(path)
    except SenderRulesError as exc:
        fail(str(exc))
