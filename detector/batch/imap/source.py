r"""One IMAP folder's listed UIDs → scan rows, through the same `email_row` as Maildir and .eml files.

Messages are read with `BODY.PEEK[]` (so `\Seen` is never set), at most MAX_MESSAGE_BYTES of each,
FETCH_BATCH per round trip. The UID list is fixed when a run starts, so the campaign pass, the
scoring pass and a --resume all read the same messages; one deleted meanwhile becomes an error
row, so rows out = UIDs listed. Gmail's labels and thread id come along where the server has them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from imapclient.exceptions import IMAPClientError

from detector.batch.imap.mailbox import Session
from detector.batch.readers.base import Position
from detector.batch.readers.mime import email_row

MAX_MESSAGE_BYTES = 4 << 20
"""Larger messages (attachments) are read up to here; the text engine reads far less."""
FETCH_BATCH = 100
FLAG_LABELS = {b"\\Seen": "seen", b"\\Answered": "replied", b"\\Flagged": "flagged"}
GMAIL = "X-GM-EXT-1"


def message_id(folder: str, uidvalidity: int, uid: int) -> str:
    """The row id: the message's relative IMAP URL (RFC 5092), stable while UIDVALIDITY is."""
    return f"{folder};UIDVALIDITY={uidvalidity}/;UID={uid}"


def uid_of(row_id: str) -> int:
    """The UID in a row id made by `message_id`, to write a verdict back to its message."""
    return int(row_id.rsplit(";UID=", 1)[1])


def sequence_set(uids: list[int]) -> str:
    """Ascending UIDs as an IMAP sequence set (`1:40,42,50:99`): compact in the checkpoint state."""
    runs: list[str] = []
    start = previous = None
    for uid in uids:
        if previous is not None and uid == previous + 1:
            previous = uid
            continue
        if start is not None:
            runs.append(f"{start}:{previous}" if previous != start else str(start))
        start = previous = uid
    if start is not None:
        runs.append(f"{start}:{previous}" if previous != start else str(start))
    return ",".join(runs)


def parse_sequence_set(text: str) -> list[int]:
    """The UIDs of a sequence set (`1:3,7` → 1, 2, 3, 7), as checkpoints and COPYUID responses hold them."""
    uids: list[int] = []
    for run in filter(None, text.split(",")):
        first, _, last = run.partition(":")
        uids.extend(range(int(first), int(last or first) + 1))
    return uids


class ImapFolderSource:
    """The `Source` (see detector.batch.scan) of one folder's UIDs, fixed when the run starts."""

    fmt = "imap"

    def __init__(self, session: Session, uidvalidity: int, uids: list[int]):
        self.session, self.uidvalidity, self.uids = session, uidvalidity, uids
        self.folder = session.url.folder
        self._items = ["UID", "FLAGS", "RFC822.SIZE", f"BODY.PEEK[]<0.{MAX_MESSAGE_BYTES}>"]
        if session.has(GMAIL):
            self._items += ["X-GM-LABELS", "X-GM-THRID"]

    def identity(self) -> dict[str, Any]:
        """The folder, its UIDVALIDITY and the UIDs listed: a --resume continues only that same list."""
        return {"input": str(self.session.url), "format": self.fmt, "uidvalidity": self.uidvalidity,
                "uids": sequence_set(self.uids)}

    def rows(self, position: Position, me_name: str | None, skip: int = 0) -> Iterator[dict[str, Any]]:
        """One row per listed UID, in list order, fetched from the `skip`th on (the rest were scored before
        a --resume)."""
        position.total, position.done = len(self.uids), skip
        for start in range(skip, len(self.uids), FETCH_BATCH):
            batch = self.uids[start:start + FETCH_BATCH]
            fetched, refused = self._fetch(batch)
            for uid in batch:
                yield self._row(uid, fetched.get(uid), refused.get(uid))
                position.done += 1

    def _fetch(self, batch: list[int]) -> tuple[dict[int, Any], dict[int, str]]:
        """The batch in one FETCH; where the server refuses that (NO), message by message, so one
        message it will not send becomes one error row."""
        try:  # (a dropped connection comes out of `retrying` as ConnectionLost, never as IMAPClientError)
            return self.session.retrying(lambda client: client.fetch(batch, self._items)), {}
        except IMAPClientError:
            pass
        fetched, refused = {}, {}
        for uid in batch:
            try:
                fetched.update(self.session.retrying(lambda client, uid=uid: client.fetch([uid], self._items)))
            except IMAPClientError as exc:
                refused[uid] = f"the server would not send this message ({_text(str(exc))[:120]})"
        return fetched, refused

    def _row(self, uid: int, data: dict[bytes, Any] | None, refused: str | None = None) -> dict[str, Any]:
        row_id = message_id(self.folder, self.uidvalidity, uid)
        body = None if data is None else data.get(b"BODY[]<0>", data.get(b"BODY[]"))
        if body is None:
            why = refused or ("deleted from the server before it was read" if data is None
                              else "the server sent no message body")
            return {"id": row_id, "channel": "email", "source": self.folder, "read_error": why}
        row = email_row(bytes(body), row_id, self.folder)
        labels = list(row.get("labels") or [])
        labels += [_text(label).lstrip("\\") for label in data.get(b"X-GM-LABELS") or ()]
        labels += [name for flag, name in FLAG_LABELS.items() if flag in (data.get(b"FLAGS") or ())]
        row["labels"] = labels
        if data.get(b"X-GM-THRID") is not None:
            row["thread_id"] = str(data[b"X-GM-THRID"])
        return row


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
