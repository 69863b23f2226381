"""`sincere`: the console command. Inference commands live here; training and the API plug in
their own through the `sincere.commands` entry-point group, so this package imports neither."""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any, Iterable, Optional

import typer

from detector.batch.cli import scan
from detector.model_selection import MODEL_ENV, resolve_model
from detector.models_cli import models_app

app = typer.Typer(help="Is this 'personal' message written for you, or spam with a smile?", no_args_is_help=True)

EXIT_OK, EXIT_SOME_ERRORS, EXIT_BAD_INPUT, EXIT_CRASH = 0, 1, 2, 3


def load_detector(model: Path | None):
    from detector.bundle import BundleError
    from detector.engine import Detector

    choice = resolve_model(model)
    try:
        return Detector.from_path(choice.path) if choice.path else Detector.default()
    except BundleError as exc:
        typer.echo(f"error: {exc} (bundle chosen by {choice.source})", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def _records(stack: ExitStack, source: str | None, text: str | None, channel: str,
             recipient: str | None) -> Iterable[Any]:
    from detector.reading import eml_record, iter_jsonl

    if text is not None:
        record: dict[str, Any] = {"id": "text", "channel": channel, "body": text}
        if recipient:
            record["recipient"] = {"name": recipient, "first_name": recipient.split()[0]}
        return [record]
    if source in (None, "-"):
        return iter_jsonl(sys.stdin.buffer, "stdin")
    path = Path(source)
    if not path.is_file():
        typer.echo(f"error: {path}: no such file", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    if path.suffix.lower() == ".eml":
        return [eml_record(path)]
    if path.suffix.lower() == ".msg":
        from detector.batch.readers.maildir import MSG_HINT
        from detector.engine import BadLine

        return [BadLine(MSG_HINT, path.name)]
    return iter_jsonl(stack.enter_context(path.open("rb")), str(path))


@app.command()
def score(
    source: Annotated[Optional[str], typer.Argument(help="JSONL file of contract records, a .eml file, or - for stdin.")] = None,
    text: Annotated[Optional[str], typer.Option("--text", help="Score this text instead of a file.")] = None,
    channel: Annotated[str, typer.Option(help="Channel for --text.")] = "email",
    recipient: Annotated[Optional[str], typer.Option(help="Your name, for --text.")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Write JSONL here instead of stdout.")] = None,
    model: Annotated[Optional[Path], typer.Option(help=f"Model bundle folder (default: ${MODEL_ENV}, else `sincere models use`, else the shipped one).")] = None,
    pretty: Annotated[Optional[bool], typer.Option("--pretty/--jsonl", help="Readable view (default on a terminal).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes that parse and run the model (use the cores of a big input).")] = 1,
) -> None:
    """Score messages; one contract result per input record, in order.

    Exit status: 0 when every record was scored, 1 when some records were errors
    (their results say why), 2 when the input or model could not be opened, 3 when the tool failed.
    """
    detector = load_detector(model)
    errors = 0
    with ExitStack() as stack:
        sink = stack.enter_context(out.open("w", encoding="utf-8")) if out else sys.stdout
        readable = pretty if pretty is not None else (out is None and sys.stdout.isatty())
        view = None
        if readable:
            from detector.view import ResultView

            view = ResultView()
        for result in detector.score_many(_records(stack, source, text, channel, recipient), workers=workers):
            errors += result["verdict"] == "error"
            if view is not None:
                view.show(result)
            else:
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    raise typer.Exit(EXIT_SOME_ERRORS if errors else EXIT_OK)


app.command()(scan)  # `sincere scan`: batch inbox scoring (detector/batch/)


app.add_typer(models_app, name="models")


def _plug_in_commands() -> None:
    for ep in entry_points(group="sincere.commands"):
        ep.load()(app)


def main() -> None:
    """The console entry point: a failure of the tool itself is one line and exit 3, never a traceback
    (whose locals and messages could quote the mail being read)."""
    _plug_in_commands()
    try:
        app()
    except Exception as exc:  # noqa: BLE001 - the last boundary: typer/click exits pass as SystemExit
        typer.echo(f"error: sincere stopped on an internal failure ({type(exc).__name__}); no output was "
                   "finished. Please report it with the command you ran (not the mail).", err=True)
        sys.exit(EXIT_CRASH)
