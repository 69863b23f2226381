"""`sincere watch imaps://…`: score (and label) new mail as it arrives.

One connection waits in IDLE (RFC 2177; re-issued every IDLE_RENEW_S), or polls every
`poll_s` where the server has no IDLE. Each wake-up runs the incremental scan of
detector.batch.imap.scan, so a restart picks up exactly where the last one stopped. A lost
connection is made again with growing pauses; a refused login or TLS failure ends the watch.
"""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from tempfile import TemporaryDirectory

from detector.batch.imap.labels import describe
from detector.batch.imap.mailbox import DROPPED, ConnectionLost, Session
from detector.batch.imap.scan import MailboxScanOptions, scan_mailbox
from detector.batch.imap.state import Account, FolderState

IDLE_RENEW_S = 600.0
"""RFC 2177 asks for IDLE to be re-issued within 29 minutes; servers drop idle clients after 30."""
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


@dataclass
class WatchOptions:
    """What `sincere watch` asks for: the scan run at each wake-up, where results go, and the poll interval
    (seconds) for servers without IDLE."""

    scan: MailboxScanOptions
    """Options of each incremental scan (its `out` is replaced by a scratch file)."""
    out: Path | None = None
    """JSON lines, appended with each new message's result."""
    poll_s: float = 60.0


def _append(batch: Path, out: Path | None) -> None:
    if out is not None and batch.exists():
        with out.open("ab") as sink:
            sink.write(batch.read_bytes())
    batch.unlink(missing_ok=True)


def _wait_for_mail(session: Session, stop: threading.Event, poll_s: float) -> None:
    """Until the folder has new messages (IDLE's EXISTS), the IDLE renewal time, or `stop`. A dead
    connection raises (imapclient's idle_check reads a closed socket as "nothing yet", so a readable
    socket with nothing on it is checked with a NOOP)."""
    if not session.has("IDLE"):
        stop.wait(poll_s)
        session.client.noop()
        return
    client = session.client
    client.idle()
    deadline = time.monotonic() + IDLE_RENEW_S
    while not stop.is_set() and time.monotonic() < deadline:
        if not select.select([client.socket()], [], [], 1)[0]:
            continue
        responses = client.idle_check(timeout=0)
        if any(len(r) > 1 and r[1] in (b"EXISTS", b"RECENT") for r in responses):
            break
        if not responses:
            client.idle_done()
            client.noop()
            client.idle()
    client.idle_done()


def watch(session: Session, account: Account, options: WatchOptions, stop: threading.Event,
          say: Callable[[str], None]) -> int:
    """Watch until `stop` is set; returns the number of messages scored. The caller holds the
    account lock. Raises AccessDenied (and other ImapErrors that retrying cannot mend)."""
    with TemporaryDirectory(prefix="sincere-watch-") as scratch:
        return _watch(session, account, options, stop, say, Path(scratch) / "batch.jsonl")


def _watch(session: Session, account: Account, options: WatchOptions, stop: threading.Event,
           say: Callable[[str], None], scratch: Path) -> int:
    scanned, failures, announced = 0, 0, False
    batch = replace(options.scan, out=scratch, report=None, resume=False)
    while not stop.is_set():
        try:
            if account.folder_state(session.url.folder) is None and options.scan.since is None:
                folder = session.select(session.url.folder)  # a first watch starts with the mail to come
                account.advance(folder.name, FolderState(folder.uidvalidity, folder.uidnext - 1))
            result = scan_mailbox(session, account, batch)
            _append(batch.out, options.out)
            if result.scan.total:
                scanned += result.scan.total
                counts = ", ".join(f"{v} {n}" for v, n in sorted(result.scan.counts.items()))
                say(f"{result.scan.total} new in {result.folder.name}: {counts}"
                    + (f"; written back: {describe(result.changed)}" if result.changed else ""))
            if failures:
                say("connected again")
            failures = 0
            if not announced or result.scan.total:
                announced = True
                say(f"waiting for new mail in {result.folder.name} ({'IDLE' if session.has('IDLE') else f'polling every {options.poll_s:g} s'})")
            _wait_for_mail(session, stop, options.poll_s)
        except (ConnectionLost, *DROPPED) as exc:
            session.close()
            delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
            failures += 1
            say(f"{exc if isinstance(exc, ConnectionLost) else 'connection lost'}; trying again in {delay:g} s")
            stop.wait(delay)
    return scanned
