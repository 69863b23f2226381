"""Training-side subcommands of `sincere` (data, train, eval), plugged in by entry point."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from training.progress import progress_display, step

data_app = typer.Typer(help="Build and inspect the labelled corpus.", no_args_is_help=True)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def _counts_table(title: str, counts: dict[str, dict[str, dict[str, int]]]) -> None:
    from rich.console import Console
    from rich.table import Table

    from training.datasheet import SPLITS

    table = Table(title=title)
    for column in ("label", "channel", *SPLITS, "total"):
        table.add_column(column, justify="left" if column in ("label", "channel") else "right")
    for label, channels in counts.items():
        for channel, splits in channels.items():
            values = [splits.get(s, 0) for s in SPLITS]
            table.add_row(label, channel, *(f"{v:,}" for v in values), f"{sum(values):,}")
    Console().print(table)


@data_app.command("build")
def build(
    corpora: Annotated[Path, typer.Option("--corpora", help="The shared corpora folder (holds text/).")],
    out: Annotated[Path, typer.Option("--out", help="Parquet file to write; the report goes beside it.")],
    seed: Annotated[int, typer.Option(help="Seed for the split tie-breaks and template rendering.")] = 13,
    templates: Annotated[Path, typer.Option(help="Template library folder.")] = DATA_DIR / "templates",
    personal: Annotated[Path, typer.Option(help="Hand-written personal messages folder.")] = DATA_DIR / "personal",
    datasheet: Annotated[Path | None, typer.Option(help="Update this datasheet's counts section.")] = None,
) -> None:
    """Build the labelled corpus: public sources plus the project's own records, deduplicated and split."""
    from training.corpus import build_corpus, project_extras
    from training.datasheet import update_datasheet
    from training.sources import CorpusError

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = lambda message, *_args, **_kw: typer.echo(f"warning: {message}", err=True)
        try:
            fills = templates if (templates / "fills").is_dir() else None  # else the shipped library's fill lists
            with progress_display():
                with step("rendering the template library and personal messages"):
                    extras = project_extras(templates, personal, seed)
                report = build_corpus(corpora, out, seed, extras, fills_dir=fills)
            if datasheet is not None:
                update_datasheet(datasheet, report.to_json())
        except CorpusError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
        except (ValueError, OSError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(1) from None
    _counts_table(f"{out} ({report.rows:,} rows, seed {seed})", report.counts)
    skipped = sum(n for by_reason in report.skipped.values() for n in by_reason.values())
    dropped = sum(n for by_source in report.dedup.values() for n in by_source.values())
    typer.echo(f"left out: {skipped:,} unreadable or empty, {dropped:,} duplicates; report: {report.report_path}")
    if datasheet is not None:
        typer.echo(f"updated {datasheet}")


@data_app.command("stats")
def stats(path: Annotated[Path, typer.Argument(help="A corpus Parquet file written by `data build`.")]) -> None:
    """Rows per label x channel x split of a built corpus."""
    import pyarrow.parquet as pq

    if not path.is_file():
        typer.echo(f"error: {path}: no such file", err=True)
        raise typer.Exit(2)
    table = pq.read_table(path, columns=["label", "channel", "split"])
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for row in table.group_by(["label", "channel", "split"]).aggregate([([], "count_all")]).to_pylist():
        counts.setdefault(row["label"], {}).setdefault(row["channel"], {})[row["split"]] = row["count_all"]
    ordered = {label: dict(sorted(channels.items())) for label, channels in sorted(counts.items())}
    _counts_table(f"{path} ({table.num_rows:,} rows)", ordered)


def train(
    config: Annotated[Path, typer.Option(help="Training config YAML, e.g. training/configs/default.yaml.")],
    data: Annotated[Path | None, typer.Option(help="Labelled Parquet/CSV/JSONL in the contract shape with a 'label' column "
                                                 "(default: the config's 'data').")] = None,
    out: Annotated[Path | None, typer.Option(help="Bundle folder to write (default: the config's 'out').")] = None,
    seed: Annotated[int | None, typer.Option(help="Override the config's seed.")] = None,
    mlflow: Annotated[str | None, typer.Option("--mlflow", help="Record the run in MLflow at this tracking URI, e.g. "
                                                             "sqlite:///mlflow.db (needs the 'mlflow' extra).")] = None,
) -> None:
    """Train a bundle of the config's kind: model, manifest, MODEL_CARD.md, metrics.json and plots."""
    from detector.models.artifacts import BundleError
    from training.config import ConfigError, load_config, with_overrides
    from training.dataset import DatasetError
    from training.tracking import TrackingError
    from training.train import train as train_bundle

    try:
        settings = with_overrides(load_config(config), seed=seed)
        data_path = data or (Path(settings.data) if settings.data else None)
        out_path = out or (Path(settings.out) if settings.out else None)
        if data_path is None or out_path is None:
            raise ConfigError(f"{config}: give --data and --out, or 'data' and 'out' in the config")
        with progress_display():
            metrics = train_bundle(settings, data_path, out_path, log=typer.echo, mlflow_uri=mlflow)
    except (ConfigError, DatasetError, BundleError, TrackingError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    svp = metrics["test"].get("smile_vs_personal", {})
    typer.echo(f"wrote {out_path}: test ROC-AUC {svp.get('roc_auc', float('nan')):.4f}, "
               f"recall@1%FPR {svp.get('recall_at_1pct_fpr', float('nan')):.4f}")


def _cell(value: object) -> str:
    if isinstance(value, str):
        return value
    return "n/a" if value is None or value != value else f"{value:.4f}"


def evaluate(
    data: Annotated[Path, typer.Option(help="Labelled data (contract shape + 'label').")],
    model: Annotated[list[Path] | None, typer.Option(help="Bundle folder (default: the one scoring uses, see "
                                                          "`sincere models list`); repeatable.")] = None,
    bundles: Annotated[list[Path] | None, typer.Argument(help="More bundle folders, with --compare.")] = None,
    compare: Annotated[bool, typer.Option("--compare", help="Compare the bundles given as arguments side by side.")] = False,
    split: Annotated[str | None, typer.Option(help="Evaluate only this split (train/val/test); 'all' for every row.")] = "test",
    target_fpr: Annotated[float | None, typer.Option("--target-fpr", min=0.0, max=1.0,
                                                     help="Also tune a threshold for at most this FPR on personal "
                                                          "messages and report recall at it.")] = None,
    tune_split: Annotated[str | None, typer.Option(help="Split to tune --target-fpr on (default: 'val' when the data "
                                                        "has one, else the evaluated rows).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the full metrics JSON here.")] = None,
) -> None:
    """Metrics of one bundle, or several side by side, on the same labelled data."""
    import json

    from rich.markup import escape

    from detector.models.artifacts import BundleError
    from detector.models.bundle import default_bundle_path
    from detector.models.selection import resolve_model
    from training.dataset import DatasetError
    from training.evaluate import compare as compare_bundles
    from training.evaluate import summary_rows

    chosen = [*(model or []), *(bundles or [])] or [resolve_model().path or default_bundle_path()]
    if compare and len(chosen) < 2:
        typer.echo("error: --compare needs at least two bundle folders", err=True)
        raise typer.Exit(2)
    rows_split = None if split == "all" else split
    try:
        with progress_display():
            reports = compare_bundles(chosen, data, rows_split, target_fpr, tune_split)
    except (BundleError, DatasetError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    rows = summary_rows(reports)
    table = Table(title=f"{data.name} ({rows_split or 'all rows'})")
    table.add_column("metric")
    for i, row in enumerate(rows, 1):
        table.add_column(f"{i}: {row['model']}", justify="right")
    for metric in dict.fromkeys(k for row in rows for k in row if k != "model"):
        table.add_row(escape(metric), *[_cell(row.get(metric)) for row in rows])
    Console().print(table)
    for i, (path, report) in enumerate(zip(chosen, reports, strict=True), 1):
        Console().print(f"{i}: {path}  confusion {report['test']['confusion']}")
        if "tuned" in report:
            Console().print(f"   threshold for {report['tuned']['target_fpr']:.2%} FPR tuned on {report['tuned']['tuned_on']}")
    if out:
        out.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")


def register(app: typer.Typer) -> None:
    """Add the training commands (`data`, `train`, `eval`, the audio ones) to the `sincere` app: the
    `sincere.commands` entry point detector's CLI loads, so detector never imports training."""
    app.add_typer(data_app, name="data")
    app.command("train")(train)
    app.command("eval")(evaluate)
    from training.audio_cli import register_audio

    register_audio(data_app, app)
