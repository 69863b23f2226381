"""`sincere scan imaps://…`: the new mail of one folder through the file scan's pipeline, then the
verdicts written back (opt-in), then the folder's last UID remembered.

A run lists the UIDs after the last one remembered (all, or those since --since, on a first run
or after the server renumbered the folder: a changed UIDVALIDITY). That list is fixed in the scan
checkpoint, so --resume after a failure reads exactly the same messages. `--out` holds the rows
of this run's messages; the state advances only after the output (and the labels) are written,
so a run that fails is simply run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from detector.batch.checkpoint import Checkpoint
from detector.batch.imap.labels import Plan, apply, check
from detector.batch.imap.mailbox import Folder, Session
from detector.batch.imap.source import ImapFolderSource, parse_sequence_set, uid_of
from detector.batch.imap.state import Account, FolderState
from detector.batch.owner import Owner
from detector.batch.scan import Progress, ScanOptions, Summary, scan
from detector.sender_rules import SenderRules

if TYPE_CHECKING:
    from detector.engine import Detector


@dataclass
class MailboxScanOptions:
    """What `sincere scan imaps://…` and each wake-up of `sincere watch` ask for."""

    out: Path
    owner: Owner = field(default_factory=Owner)
    since: date | None = None
    label: bool = False
    move_to: str | None = None
    dry_run: bool = False
    """Score and show what --label / --move-to would change; change nothing, remember nothing."""
    resume: bool = False
    report: Path | None = None
    every: int = 2000
    model: Path | None = None
    detector: Detector | None = None
    """The model `model` names, already loaded by the shell (each incremental scan reuses it)."""
    campaigns: str | None = None
    """Campaign index URL (default: the account's own, kept between runs)."""
    runner: str = "local"
    scheduler: str | None = None
    workers: int = 2
    sender_rules: SenderRules | None = None
    """The user's sender rules (detector.sender_rules), applied to every message."""

    @property
    def writes_back(self) -> bool:
        """Whether the run changes the server (labels or moves, not a dry run)."""
        return (self.label or bool(self.move_to)) and not self.dry_run


@dataclass
class MailboxSummary:
    """What a mailbox scan tells its shell: the file scan's summary plus what it did to the folder."""

    folder: Folder
    scan: Summary
    renumbered: bool
    """The folder's UIDVALIDITY changed since the last run, so all of it was scanned again."""
    plan: Plan | None
    changed: dict[str, int]
    first_run: bool


def _listed(session: Session, folder: Folder, known: FolderState | None, options: MailboxScanOptions) -> list[int]:
    start = known.last_uid + 1 if known and known.uidvalidity == folder.uidvalidity else 1
    criteria: list = ["UID", f"{start}:*"]
    if options.since:
        criteria += ["SINCE", options.since]
    found = session.retrying(lambda client: client.search(criteria))
    skip = set(known.skip) if start > 1 and known else set()  # start > 1: the folder is as last seen
    return sorted(uid for uid in found if uid >= start and uid not in skip)  # UID n:* always matches the newest


def _resumable(options: MailboxScanOptions, session: Session, folder: Folder) -> list[int] | None:
    """The UIDs an interrupted run of this folder listed, when --resume can take it up."""
    checkpoint = Checkpoint(options.out)
    if options.resume and checkpoint.load({"input": str(session.url), "format": "imap", "uidvalidity": folder.uidvalidity}):
        return parse_sequence_set(checkpoint.state["uids"])
    return None


def verdicts(out: Path) -> Iterator[tuple[int, str]]:
    """(UID, verdict) of every row of a finished scan's output file."""
    suffix = out.suffix.lower()
    if suffix == ".jsonl":
        with out.open(encoding="utf-8") as stream:
            for line in stream:
                row = json.loads(line)
                yield uid_of(row["id"]), row["verdict"]
        return
    if suffix == ".parquet":
        import pyarrow.parquet as pq

        table = pq.read_table(out, columns=["id", "verdict"])
    else:
        from pyarrow import csv

        table = csv.read_csv(out, convert_options=csv.ConvertOptions(include_columns=["id", "verdict"]))
    for row_id, verdict in zip(table.column("id").to_pylist(), table.column("verdict").to_pylist(), strict=True):
        yield uid_of(row_id), verdict


def scan_mailbox(session: Session, account: Account, options: MailboxScanOptions,
                 on_progress: Progress | None = None) -> MailboxSummary:
    """Score the folder's new mail; the caller holds `account.lock()`. Raises ImapError subclasses."""
    folder = session.select(session.url.folder, readonly=not options.writes_back)
    known = account.folder_state(folder.name)
    renumbered = known is not None and known.uidvalidity != folder.uidvalidity
    check(session, folder, options.label, options.move_to)
    uids = _resumable(options, session, folder)
    # Everything below UIDNEXT was listed (or left out by --since) unless an earlier listing is resumed.
    ceiling = 0 if uids is not None else folder.uidnext - 1
    if uids is None:
        uids = _listed(session, folder, known, options)
    stored = Owner(**account.owner) if account.owner else Owner()
    owner = options.owner if not options.owner.is_empty else Owner(stored.name, stored.email,
                                                                   options.owner.company or stored.company,
                                                                   options.owner.title or stored.title)
    if "@" in session.url.user:  # the login is usually the owner's address
        owner = owner.filled_from(Owner(email=session.url.user.lower()))
    summary = scan(ScanOptions(path=Path(str(session.url)), out=options.out, owner=owner, report=options.report,
                               resume=options.resume, runner=options.runner, scheduler=options.scheduler,
                               workers=options.workers, every=options.every, model=options.model,
                               detector=options.detector,
                               campaigns=options.campaigns or account.campaigns_url, sender_rules=options.sender_rules,
                               source=ImapFolderSource(session, folder.uidvalidity, uids)), on_progress)
    plan, changed = None, {}
    if options.label or options.move_to:
        plan = Plan.of(verdicts(options.out), options.label, options.move_to)
        if not options.dry_run:
            changed = apply(session, folder, plan, account.journal)
    if not options.dry_run:
        account.owner = summary.owner.as_dict()
        last = max(ceiling, uids[-1] if uids else 0, known.last_uid if known and not renumbered else 0)
        account.advance(folder.name, FolderState(folder.uidvalidity, last, known.skip if known and not renumbered else ()))
    return MailboxSummary(folder, summary, renumbered, plan, changed, first_run=known is None)
