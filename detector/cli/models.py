"""`sincere models list|use`: see the bundles at hand and choose the one every command loads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.shared import fail
from detector.models.selection import MODEL_ENV, known_models, resolve_model, select_model

models_app = typer.Typer(help="List model bundles and choose the one scoring uses.", no_args_is_help=True)


def _status(path: Path) -> tuple[str, dict]:
    from detector.models.artifacts import BundleError
    from detector.models.bundle import verified_bundle_manifest

    if not path.is_dir():
        return "missing", {}
    try:
        manifest = verified_bundle_manifest(path)
    except BundleError as exc:
        return f"invalid: {exc}", {}
    return "ok", manifest


def _found_in(folders: list[Path]) -> list[Path]:
    from detector.models.artifacts import MANIFEST

    found = []
    for folder in folders:
        candidates = [folder, *sorted(p for p in folder.iterdir() if p.is_dir())] if folder.is_dir() else [folder]
        found += [c for c in candidates if (c / MANIFEST).is_file()]
    return found


@models_app.command("list")
def list_models(
    folders: Annotated[list[Path] | None, typer.Argument(help="Also list bundles in these folders (or their sub-folders).")] = None,
) -> None:
    """The shipped bundle, every bundle chosen before, and any found in FOLDERS; * marks the one in use."""
    from rich.console import Console
    from rich.table import Table

    from detector.models.bundle import default_bundle_path

    choice = resolve_model()
    active = (choice.path or default_bundle_path()).resolve()
    paths = list(dict.fromkeys(p.resolve() for p in [default_bundle_path(), *known_models(), *_found_in(folders or [])]))
    if active not in paths:
        paths.append(active)
    table = Table(title=f"model bundles (* in use, chosen by: {choice.source})")
    for column in ("", "model", "kind", "test ROC-AUC", "status", "path"):
        table.add_column(column, overflow="fold")
    for path in paths:
        status, manifest = _status(path)
        auc = manifest.get("metrics", {}).get("roc_auc")
        table.add_row("*" if path == active else "", f"{manifest['name']}-{manifest['version']}" if manifest else "?",
                      manifest.get("kind", "?"), f"{auc:.4f}" if isinstance(auc, (int, float)) else "n/a", status, str(path))
    Console().print(table)


@models_app.command("use")
def use(
    folder: Annotated[Path | None, typer.Argument(help="A bundle folder written by `sincere train`.")] = None,
    default: Annotated[bool, typer.Option("--default", help="Go back to the shipped bundle.")] = False,
) -> None:
    """Make FOLDER the bundle that `sincere score`, batch jobs and the API load (after --model and $SINCERE_MODEL)."""
    from detector.engine import Detector
    from detector.models.artifacts import BundleError

    if default == (folder is not None):
        fail("give a bundle folder or --default")
    if default:
        select_model(None)
        typer.echo("using the shipped default bundle")
    else:
        try:
            detector = Detector.open(folder)
        except BundleError as exc:
            fail(str(exc))
        select_model(folder)
        typer.echo(f"using {detector.model_version} from {folder.resolve()}")
    if os.environ.get(MODEL_ENV):
        typer.echo(f"note: ${MODEL_ENV} is set and takes precedence in this shell", err=True)
