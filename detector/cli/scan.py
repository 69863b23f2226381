"""`sincere scan`: score a whole export or a live mailbox (detector.batch); heavy imports happen inside it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from detector.cli.imap import (
    DryRun,
    Label,
    MoveTo,
    PasswordFile,
    Since,
    StateDir,
    TokenFile,
    is_mailbox_url,
    scan_mailbox,
)
from detector.cli.shared import EXIT_OK, EXIT_SOME_ERRORS, fail, load_detector, load_sender_rules

INSTALL_BATCH = "`sincere scan` needs the batch extra: pip install 'sincere[batch]' (pandas, pyarrow, matplotlib)"
INSTALL_DASK = "`--engine dask` needs the dask extra: pip install 'sincere[dask]'"


def _require(modules: tuple[str, ...], hint: str) -> None:
    import importlib

    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError:
            fail(hint)


def scan(
    path: Annotated[str, typer.Argument(help="An mbox, Maildir, folder of .eml, LinkedIn messages.csv, Google "
                                             "Voice Takeout, VTT/SRT captions, contract CSV/JSONL/Parquet, or a "
                                             "live mailbox: imaps://user@host[:port]/FOLDER.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Results file: .parquet, .csv or .jsonl.")],
    report: Annotated[Path | None, typer.Option(help="Also write a self-contained HTML report here.")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="mbox, maildir, eml, linkedin, gvoice, captions, "
                                                                 "csv, jsonl or parquet (default: detected).")] = None,
    me: Annotated[str | None, typer.Option(help='You, as "Jane Doe <jane@x.com>" (default: the most common recipient).')] = None,
    company: Annotated[str | None, typer.Option(help="Your company (feeds identity slots).")] = None,
    title: Annotated[str | None, typer.Option(help="Your job title (feeds identity slots).")] = None,
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted scan of the same input.")] = False,
    runner: Annotated[str, typer.Option("--engine", metavar="ENGINE", help="Where messages are scored: local (this process) or dask.")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address (default: a local cluster).")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes for a local Dask cluster.")] = 2,
    checkpoint_every: Annotated[int, typer.Option(help="Messages per checkpoint (and per Dask partition).")] = 2000,
    model: Annotated[Path | None, typer.Option(help="Model bundle folder (default: as for `sincere score`).")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Your sender rules, as for `sincere score --rules`.")] = None,
    campaigns: Annotated[str | None, typer.Option(help="Campaign index URL: sqlite:///abs/path.db or "
                                                          "redis://host:port/db (default: a temporary SQLite file; "
                                                          "a remote Dask cluster needs redis).")] = None,
    since: Since = None,
    label: Label = False,
    move_to: MoveTo = None,
    dry_run: DryRun = False,
    password_file: PasswordFile = None,
    oauth2_token_file: TokenFile = None,
    state_dir: StateDir = None,
) -> None:
    """Score a whole inbox export: one result row per message, a summary, and optionally a report.

    Exit status: 0 every message scored; 1 some messages were error rows (their `error` says why);
    2 the input, the output name or the model could not be used; 3 the tool itself failed (rerun with
    --resume after fixing it: finished checkpoints are kept).
    """
    from detector.models.selection import resolve_model

    _require(("pandas", "pyarrow") + (("matplotlib",) if report else ()), INSTALL_BATCH)
    if runner not in ("local", "dask"):
        fail("--engine must be local or dask")
    if runner == "dask":
        _require(("dask.distributed",), INSTALL_DASK)
    from detector.batch.owner import Owner
    from detector.batch.readers import UnknownFormat
    from detector.batch.readers.linkedin import NotLinkedIn
    from detector.batch.scan import OUTPUT_FORMATS, ScanOptions
    from detector.batch.scan import scan as run_scan
    from detector.campaigns.stores import CampaignStoreError
    from detector.cli.progress import ScanProgress, print_summary

    if out.suffix.lower() not in OUTPUT_FORMATS:
        fail(f"--out must end in {', '.join(OUTPUT_FORMATS)}")
    sender_rules = load_sender_rules(rules)
    if is_mailbox_url(path):
        raise typer.Exit(scan_mailbox(path, out, owner=Owner.parse(me, company, title), report=report, resume=resume,
                                      every=max(1, checkpoint_every), model=model, campaigns=campaigns,
                                      runner=runner, scheduler=scheduler, workers=workers, since=since, label=label,
                                      move_to=move_to, dry_run=dry_run, password_file=password_file,
                                      token_file=oauth2_token_file, state_dir=state_dir,
                                      sender_rules=sender_rules))
    if since or label or move_to or dry_run or password_file or oauth2_token_file or state_dir:
        fail("--since, --label, --move-to, --dry-run, --password-file, --oauth2-token-file and "
             "--state-dir are for imaps:// mailboxes")
    path = Path(path)
    if not path.exists():
        fail(f"{path}: no such file or folder")
    detector = load_detector(model)  # a bad bundle exits 2 here, before any reading; loaded once
    options = ScanOptions(path=path, out=out, fmt=fmt, owner=Owner.parse(me, company, title), report=report,
                          resume=resume, runner=runner, scheduler=scheduler, workers=workers,
                          every=max(1, checkpoint_every), model=resolve_model(model).path, detector=detector,
                          campaigns=campaigns, sender_rules=sender_rules)
    try:
        with ScanProgress() as progress:
            summary = run_scan(options, progress.update)
    except (UnknownFormat, NotLinkedIn, CampaignStoreError, OSError) as exc:
        fail(str(exc))
    print_summary(summary)
    raise typer.Exit(EXIT_SOME_ERRORS if summary.errors else EXIT_OK)
