"""The IMAP commands: `sincere scan imaps://…` (called by `sincere scan`), `sincere watch` and
`sincere imap undo`. Every IMAP failure ends with its message and exit status 2."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from detector.cli.shared import fail, load_detector
from detector.sender_rules import SenderRules

imap_app = typer.Typer(help="Live mailboxes over IMAP: take back what Sincere wrote.", no_args_is_help=True)

PasswordFile = Annotated[Path | None, typer.Option(help="Read the (app) password from this file's first line "
                                                           "(default: $SINCERE_IMAP_PASSWORD, else a prompt).")]
TokenFile = Annotated[Path | None, typer.Option(help="Log in with XOAUTH2 and the OAuth2 access token in this file "
                                                        "(or $SINCERE_IMAP_OAUTH2_TOKEN).")]
StateDir = Annotated[Path | None, typer.Option(help="Where each mailbox's state, journal and campaign index live "
                                                       "(default: $SINCERE_DATA_DIR/imap or ~/.local/share/sincere/imap).")]
Since = Annotated[datetime | None, typer.Option(formats=["%Y-%m-%d"], help="Only mail received on or after this "
                                                                               "day (YYYY-MM-DD), for a first run.")]
Label = Annotated[bool, typer.Option("--label", help="Add the keyword $SincereSmile or $SincereBulk to such messages.")]
MoveTo = Annotated[str | None, typer.Option(help="Move smile messages to this existing folder (Gmail: add this label).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what --label / --move-to would change; change and remember nothing.")]


def is_mailbox_url(text: str) -> bool:
    """Whether `sincere scan` was given a live mailbox rather than a file."""
    return text.lower().startswith(("imap://", "imaps://"))


def _require_imap() -> None:
    try:
        import imapclient  # noqa: F401
    except ImportError:
        fail("IMAP needs the imap extra: pip install 'sincere[imap]'")


@contextmanager
def _mailbox(url_text: str, password_file: Path | None, token_file: Path | None, state_dir: Path | None,
             on_lost: str = "") -> Iterator:
    """A session and the locked account state for `url_text`; IMAP errors become exit 2 (a lost
    connection's message followed by `on_lost`)."""
    from imapclient.exceptions import IMAPClientError

    from detector.batch.imap.mailbox import DROPPED, ConnectionLost, Credentials, ImapError, MailboxUrl, Session
    from detector.batch.imap.state import Account

    try:
        url = MailboxUrl.parse(url_text)
        credentials = Credentials.resolve(url, password_file, token_file)
        with Account(url, state_dir).lock() as account, Session(url, credentials) as session:
            yield session, account
    except ConnectionLost as exc:
        fail(f"{exc}{on_lost}")
    except ImapError as exc:
        fail(str(exc))
    except DROPPED as exc:  # a drop outside Session.retrying (a MOVE, say)
        fail(f"lost the connection to {url.host}:{url.port} ({type(exc).__name__}){on_lost}")
    except IMAPClientError as exc:
        fail(f"{url.host} refused a command: {str(exc)[:200]}")


def scan_mailbox(url: str, out: Path, *, owner, report: Path | None, resume: bool, every: int, model: Path | None,
                 campaigns: str | None, runner: str, scheduler: str | None, workers: int, sender_rules: SenderRules | None,
                 since: datetime | None, label: bool, move_to: str | None, dry_run: bool, password_file: Path | None,
                 token_file: Path | None, state_dir: Path | None) -> int:
    """`sincere scan imaps://…`; returns the exit status."""
    _require_imap()
    detector = load_detector(model)
    from detector.batch.imap.labels import describe
    from detector.batch.imap.scan import MailboxScanOptions
    from detector.batch.imap.scan import scan_mailbox as run
    from detector.campaigns.stores import CampaignStoreError
    from detector.cli.progress import ScanProgress, print_summary
    from detector.models.selection import resolve_model

    options = MailboxScanOptions(out=out, owner=owner, since=since.date() if since else None, label=label,
                                 move_to=move_to, dry_run=dry_run, resume=resume, report=report, every=every,
                                 model=resolve_model(model).path, detector=detector, campaigns=campaigns,
                                 runner=runner, scheduler=scheduler, workers=workers, sender_rules=sender_rules)
    resume_hint = "; what was scored is kept: run the same command again with --resume to go on"
    with _mailbox(url, password_file, token_file, state_dir, resume_hint) as (session, account):
        try:
            with ScanProgress() as progress:
                result = run(session, account, options, progress.update)
        except (CampaignStoreError, OSError) as exc:
            fail(str(exc))
    print_summary(result.scan)
    folder = result.folder
    lines = [f"{folder.name} (UIDVALIDITY {folder.uidvalidity}): {result.scan.total:,} "
             f"{'' if result.first_run else 'new '}message{'' if result.scan.total == 1 else 's'} scored"]
    if result.renumbered:
        lines.append("the server renumbered this folder since the last run (UIDVALIDITY changed): all of it was scanned again")
    if result.plan is not None and dry_run:
        lines += ["would " + line for line in result.plan.describe()]
        lines.append("dry run: nothing was changed on the server and the next run scans these messages again")
    elif result.plan is not None:
        lines.append(f"written back: {describe(result.changed)} (undo: sincere imap undo {session.url})")
    typer.echo("\n".join(lines), err=True)
    return 1 if result.scan.errors else 0


def watch(
    url: Annotated[str, typer.Argument(help="imaps://user@host[:port]/FOLDER (FOLDER defaults to INBOX).")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Append each new message's result here (JSON lines).")] = None,
    label: Label = False,
    move_to: MoveTo = None,
    since: Since = None,
    me: Annotated[str | None, typer.Option(help='You, as "Jane Doe <jane@x.com>".')] = None,
    company: Annotated[str | None, typer.Option(help="Your company (feeds identity slots).")] = None,
    title: Annotated[str | None, typer.Option(help="Your job title (feeds identity slots).")] = None,
    poll_seconds: Annotated[float, typer.Option(min=1, help="Seconds between checks where the server has no IDLE.")] = 60.0,
    model: Annotated[Path | None, typer.Option(help="Model bundle folder (default: as for `sincere score`).")] = None,
    password_file: PasswordFile = None,
    oauth2_token_file: TokenFile = None,
    state_dir: StateDir = None,
) -> None:
    """Score (and with --label / --move-to, label) new mail as it arrives; Ctrl-C or SIGTERM stops.

    Without saved state and --since, it starts with the mail that arrives from now on; after a
    stop it takes up where it left off. Exit status 0 after a clean stop, 2 when login or TLS fails.
    """
    _require_imap()
    from detector.batch.imap.scan import MailboxScanOptions
    from detector.batch.imap.watch import WatchOptions
    from detector.batch.imap.watch import watch as run
    from detector.batch.owner import Owner
    from detector.models.selection import resolve_model

    if out is not None and out.suffix.lower() != ".jsonl":
        fail("watch --out must end in .jsonl (results are appended as they come)")
    detector = load_detector(model)
    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        stop.set()
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)

    def say(line: str) -> None:
        print(f"{datetime.now():%H:%M:%S} {line}", file=sys.stderr, flush=True)

    scan_options = MailboxScanOptions(out=Path("unused.jsonl"), owner=Owner.parse(me, company, title), since=since.date() if since else None,
                                      label=label, move_to=move_to, model=resolve_model(model).path,
                                      detector=detector)
    with _mailbox(url, password_file, oauth2_token_file, state_dir) as (session, account):
        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        scanned = run(session, account, WatchOptions(scan_options, out, poll_seconds), stop, say)
    say(f"stopped; {scanned:,} messages scored")


@imap_app.command()
def undo(
    url: Annotated[str, typer.Argument(help="The imaps://user@host[:port]/FOLDER that was scanned or watched.")],
    password_file: PasswordFile = None,
    oauth2_token_file: TokenFile = None,
    state_dir: StateDir = None,
) -> None:
    """Take off every keyword, label and move Sincere wrote to FOLDER's messages (from its journal)."""
    _require_imap()
    from detector.batch.imap.labels import describe
    from detector.batch.imap.labels import undo as run

    with _mailbox(url, password_file, oauth2_token_file, state_dir) as (session, account):
        done = run(session, account)
    typer.echo(f"undone in {session.url}: {describe(done)}", err=True)
