"""What Sincere keeps about a mailbox between runs, in one folder per account under the data folder:

- `account.json`: per IMAP folder its UIDVALIDITY and the last UID scored, and the inbox owner;
- `journal.jsonl`: every flag, label or move written back (folder, UIDVALIDITY, UID), for undo;
- `campaigns.db`: the campaign index, so new mail links to copies scored in earlier runs
  (salted hashes, as every campaign index).

UIDs, folder names and flags only, never message text. A lock keeps two runs (a `watch` and a
`scan`) from using one account's state at once.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detector.batch.checkpoint import write_atomic
from detector.batch.imap.mailbox import ImapError, MailboxUrl

DATA_ENV = "SINCERE_DATA_DIR"


def data_dir() -> Path:
    """$SINCERE_DATA_DIR, else $XDG_DATA_HOME/sincere, else ~/.local/share/sincere (as the API's)."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV])
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "sincere"


@dataclass(frozen=True)
class FolderState:
    """How far a folder was scanned: the UIDs of one UIDVALIDITY up to `last_uid`."""

    uidvalidity: int
    last_uid: int
    skip: tuple[int, ...] = ()
    """UIDs above last_uid not to scan: messages `undo` moved back, which the server numbered anew."""


class Journal:
    """Append-only JSON lines, synced before the server is changed, so nothing Sincere did is unrecorded."""

    def __init__(self, path: Path):
        self.path = path

    def record(self, entries: list[dict[str, Any]]) -> None:
        """Append and fsync, before the changes these entries describe are made."""
        if not entries:
            return
        with self.path.open("a", encoding="utf-8") as stream:
            stream.writelines(json.dumps(entry, sort_keys=True) + "\n" for entry in entries)
            stream.flush()
            os.fsync(stream.fileno())

    def entries(self) -> list[dict[str, Any]]:
        """Everything recorded, oldest first (none without a journal)."""
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in lines if line.strip()]

    def replace(self, entries: list[dict[str, Any]]) -> None:
        """Keep only `entries` (those of folders an `undo` left alone), atomically."""
        write_atomic(self.path, lambda tmp: tmp.write_text("".join(json.dumps(e, sort_keys=True) + "\n" for e in entries),
                                                           encoding="utf-8"))


class Account:
    """One account's state folder (`DATA/imap/USER@HOST_PORT/`)."""

    def __init__(self, url: MailboxUrl, root: Path | None = None):
        self.url = url
        self.folder = (root or data_dir() / "imap") / url.account_key
        self.journal = Journal(self.folder / "journal.jsonl")
        self._state: dict[str, Any] = {}

    @property
    def campaigns_url(self) -> str:
        """The account's own campaign store, kept between runs."""
        return f"sqlite://{(self.folder / 'campaigns.db').resolve()}"

    @contextmanager
    def lock(self) -> Iterator[Account]:
        """Hold the account for one run: a second run on the same state fails instead of racing."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / "lock").open("w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise ImapError(f"another sincere run is using the state of {self.url.mailbox} "
                                f"({self.folder}); stop it first") from None
            self._state = self._read()
            yield self

    def _read(self) -> dict[str, Any]:
        try:
            state = json.loads((self.folder / "account.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {"mailbox": self.url.mailbox, "folders": {}, "owner": None}
        except ValueError:
            raise ImapError(f"{self.folder / 'account.json'} is damaged; move it away to start this mailbox afresh") from None
        return state

    def _save(self) -> None:
        write_atomic(self.folder / "account.json",
                     lambda tmp: tmp.write_text(json.dumps(self._state, indent=1, sort_keys=True), encoding="utf-8"))

    def folder_state(self, name: str) -> FolderState | None:
        """How far folder `name` was scanned; None before its first run."""
        known = self._state["folders"].get(name)
        return FolderState(known["uidvalidity"], known["last_uid"], tuple(known.get("skip", ()))) if known else None

    def advance(self, name: str, state: FolderState) -> None:
        """Remember `state` for folder `name`, atomically (after its output and labels are written)."""
        skip = [uid for uid in state.skip if uid > state.last_uid]
        self._state["folders"][name] = {"uidvalidity": state.uidvalidity, "last_uid": state.last_uid,
                                        **({"skip": skip} if skip else {})}
        self._save()

    def skip(self, name: str, uidvalidity: int, uids: list[int]) -> None:
        """Leave these new UIDs out of the next scans (see FolderState.skip)."""
        known = self.folder_state(name)
        if known and known.uidvalidity == uidvalidity and uids:
            self.advance(name, FolderState(uidvalidity, known.last_uid, (*known.skip, *uids)))

    @property
    def owner(self) -> dict[str, Any] | None:
        """The inbox owner found by the first run, so later runs need no --me."""
        return self._state.get("owner")

    @owner.setter
    def owner(self, owner: dict[str, Any]) -> None:
        if owner != self._state.get("owner"):
            self._state["owner"] = owner
            self._save()
