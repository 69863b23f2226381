"""Verdicts written back to the mailbox (opt-in), and taken off again by `sincere imap undo`.

`--label` adds the keyword `$SincereSmile` or `$SincereBulk`; `--move-to FOLDER` moves smile
messages there (MOVE), or copies them and keeps the original where the server has no MOVE, or on
Gmail adds the label FOLDER. Only what a message lacked is changed, and each change is journaled
(folder, UIDVALIDITY, UID) before it is made, so undo removes exactly what Sincere added. Nothing
is ever deleted: undo's one expunge is of a copy Sincere itself made, by UID.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from imapclient import IMAPClient

from detector.batch.imap.mailbox import Folder, ImapError, Session
from detector.batch.imap.source import GMAIL, parse_sequence_set
from detector.batch.imap.state import Account, Journal

KEYWORDS = {"smile": "$SincereSmile", "bulk": "$SincereBulk"}
MOVED = "smile"
"""The verdict --move-to moves."""
CHUNK = 500
CHANGES = {"keyword_added": "keywords added", "moved": "messages moved", "copied": "messages copied (originals kept)",
           "gmail_label_added": "Gmail labels added", "keyword_removed": "keywords removed",
           "gmail_label_removed": "Gmail labels removed", "moved_back": "messages moved back",
           "copy_removed": "copies Sincere made removed", "gone": "no longer there (moved, deleted or renumbered)"}


def describe(counts: dict[str, int]) -> str:
    """`apply`'s or `undo`'s counts, for people."""
    return "; ".join(f"{CHANGES[kind]}: {count:,}" for kind, count in counts.items() if count) or "nothing"


@dataclass
class Plan:
    """What a run would write back: keyword → UIDs, and the UIDs to move."""

    keywords: dict[str, list[int]] = field(default_factory=dict)
    move: list[int] = field(default_factory=list)
    target: str | None = None

    @classmethod
    def of(cls, verdicts: Iterable[tuple[int, str]], label: bool, move_to: str | None) -> Plan:
        """The changes `--label` and `--move-to` ask for, from a scan's (UID, verdict) pairs."""
        plan = cls(target=move_to)
        for uid, verdict in verdicts:
            if label and verdict in KEYWORDS:
                plan.keywords.setdefault(KEYWORDS[verdict], []).append(uid)
            if move_to and verdict == MOVED:
                plan.move.append(uid)
        return plan

    def describe(self) -> list[str]:
        """One line per change, with a few of its UIDs, for `--dry-run`."""
        lines = [f"add {keyword} to {len(uids):,} messages (UIDs {_some(uids)})" for keyword, uids in self.keywords.items()]
        if self.move:
            lines.append(f"move {len(self.move):,} smile messages to {self.target!r} (UIDs {_some(self.move)})")
        return lines or ["nothing to change"]


def _some(uids: list[int], shown: int = 10) -> str:
    return ", ".join(map(str, uids[:shown])) + (f", … {len(uids) - shown:,} more" if len(uids) > shown else "")


def _chunks(uids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(uids), CHUNK):
        yield uids[start:start + CHUNK]


def _names(values: Iterable[bytes | str]) -> set[str]:
    return {v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in values}


def check(session: Session, folder: Folder, label: bool, move_to: str | None) -> None:
    """Refuse, before any scoring, what the server could not do (or Sincere could not undo)."""
    if label and not all(folder.accepts_keyword(k) for k in KEYWORDS.values()):
        raise ImapError(f"{session.url.host} does not accept keywords in {folder.name!r}; use --move-to instead")
    if not move_to or session.has(GMAIL):
        return
    if move_to == folder.name:
        raise ImapError("--move-to names the folder being scanned")
    if not session.has("UIDPLUS"):
        raise ImapError(f"{session.url.host} does not say where moved messages land (no UIDPLUS), so a move "
                        "could not be undone; use --label instead")
    if not session.retrying(lambda client: client.folder_exists(move_to)):
        raise ImapError(f"there is no folder {move_to!r} on {session.url.host}; create it first")


def apply(session: Session, folder: Folder, plan: Plan, journal: Journal) -> dict[str, int]:
    """Make the plan's changes in the selected (read-write) folder, after `check`; returns changes
    made per kind."""
    made: dict[str, int] = defaultdict(int)
    where = {"folder": folder.name, "uidvalidity": folder.uidvalidity}
    for keyword, uids in plan.keywords.items():
        for chunk in _chunks(uids):
            flags = session.retrying(lambda client, chunk=chunk: client.get_flags(chunk))
            lacking = [uid for uid in chunk if uid in flags and keyword not in _names(flags[uid])]
            journal.record([{**where, "uid": uid, "keyword": keyword} for uid in lacking])
            if lacking:
                session.retrying(lambda client, lacking=lacking, keyword=keyword: client.add_flags(lacking, [keyword.encode()], silent=True))
            made["keyword_added"] += len(lacking)
    if plan.move:
        _move(session, folder, plan.move, plan.target or "", journal, where, made)
    return dict(made)


def _move(session: Session, folder: Folder, uids: list[int], target: str, journal: Journal, where: dict,
          made: dict[str, int]) -> None:
    if session.has(GMAIL):
        for chunk in _chunks(uids):
            labels = session.retrying(lambda client, chunk=chunk: client.get_gmail_labels(chunk))
            lacking = [uid for uid in chunk if uid in labels and target not in _names(labels[uid])]
            journal.record([{**where, "uid": uid, "gmail_label": target} for uid in lacking])
            if lacking:
                session.retrying(lambda client, lacking=lacking: client.add_gmail_labels(lacking, [target], silent=True))
            made["gmail_label_added"] += len(lacking)
        return
    client = session.client
    copied = not session.has("MOVE")
    for chunk in _chunks(uids):
        # Not retried: a MOVE repeated after a drop could not tell where the first one put the messages.
        (client.copy if copied else client.move)(chunk, target)
        mapping = _copyuid(client)
        journal.record([{**where, "uid": uid, "moved_to": target, "to_uidvalidity": to_validity, "to_uid": to_uid,
                         "copied": copied} for uid, (to_validity, to_uid) in mapping.items()])
        made["copied" if copied else "moved"] += len(mapping)


def _copyuid(client: IMAPClient) -> dict[int, tuple[int, int]]:
    """Source UID → (target UIDVALIDITY, target UID), from the COPYUID response code (RFC 4315)."""
    _, data = client._imap.response("COPYUID")
    mapping: dict[int, tuple[int, int]] = {}
    for item in data or ():
        if not item:
            continue
        validity, sources, targets = (item.decode() if isinstance(item, bytes) else item).split()
        # RFC 4315 gives both sets one UID per message; strict=False keeps a server that breaks this from
        # aborting the run after its messages were moved (the pairs that exist are still journaled).
        mapping.update(zip(parse_sequence_set(sources), ((int(validity), uid) for uid in parse_sequence_set(targets)),
                           strict=False))
    return mapping


def undo(session: Session, account: Account) -> dict[str, int]:
    """Take off everything the journal records for the session's folder, moves first; entries of
    other folders stay. Messages moved back get new UIDs: the account skips them, so the next scan
    does not label them again. Returns counts per kind; `gone`: no longer there, or the folder was
    renumbered, so nothing is left to take off."""
    journal, folder_name = account.journal, session.url.folder
    entries = journal.entries()
    mine = [e for e in entries if e["folder"] == folder_name]
    others = [e for e in entries if e["folder"] != folder_name]
    done: dict[str, int] = defaultdict(int)
    if not mine:
        journal.replace(others)
        return {}
    origin = session.select(folder_name, readonly=False)
    # Moves first: a keyword added before a move is on the message's new UID once it is back.
    back: dict[int, int] = {}
    for target, moves in _by(e for e in mine if "moved_to" in e).items():
        back |= _move_back(session, origin, target, moves, done)
    account.skip(folder_name, origin.uidvalidity, sorted(back.values()))
    session.select(folder_name, readonly=False)
    current = [e for e in mine if e["uidvalidity"] == origin.uidvalidity]
    done["gone"] += len(mine) - len(current)
    for keyword, items in _by((e for e in current if "keyword" in e), "keyword").items():
        uids = [back.get(e["uid"], e["uid"]) for e in items]
        for chunk in _chunks(uids):
            flags = session.retrying(lambda client, chunk=chunk: client.get_flags(chunk))
            present = [uid for uid in chunk if uid in flags and keyword in _names(flags[uid])]
            if present:
                session.retrying(lambda client, present=present, keyword=keyword: client.remove_flags(present, [keyword.encode()], silent=True))
            done["keyword_removed"] += len(present)
            done["gone"] += len(chunk) - len(present)
    for label, items in _by((e for e in current if "gmail_label" in e), "gmail_label").items():
        uids = [e["uid"] for e in items]
        for chunk in _chunks(uids):
            session.retrying(lambda client, chunk=chunk, label=label: client.remove_gmail_labels(chunk, [label], silent=True))
            done["gmail_label_removed"] += len(chunk)
    journal.replace(others)
    return dict(done)


def _by(entries: Iterable[dict[str, Any]], key: str = "moved_to") -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        grouped[entry[key]].append(entry)
    return grouped


def _move_back(session: Session, origin: Folder, target: str, moves: list[dict[str, Any]],
               done: dict[str, int]) -> dict[int, int]:
    """Moved messages back to `origin` (their new UIDs there, by old UID); copies Sincere made are
    removed by UID. Entries whose folder was renumbered since are counted as gone."""
    try:
        there = session.select(target, readonly=False)
    except ImapError:
        done["gone"] += len(moves)
        return {}
    live = [m for m in moves if m["to_uidvalidity"] == there.uidvalidity and m["uidvalidity"] == origin.uidvalidity]
    done["gone"] += len(moves) - len(live)
    client = session.client
    existing = set(client.search(["UID", ",".join(str(m["to_uid"]) for m in live)])) if live else set()
    back: dict[int, int] = {}
    copies = [m["to_uid"] for m in live if m["copied"] and m["to_uid"] in existing]
    if copies:
        client.add_flags(copies, [b"\\Deleted"], silent=True)
        client.uid_expunge(copies)
        done["copy_removed"] += len(copies)
    moved = [m for m in live if not m["copied"] and m["to_uid"] in existing]
    for chunk in _chunks(moved):
        client.move([m["to_uid"] for m in chunk], origin.name)  # moved (not copied): the server had MOVE
        returned = _copyuid(client)
        back |= {m["uid"]: returned[m["to_uid"]][1] for m in chunk if m["to_uid"] in returned}
        done["moved_back"] += len(chunk)
    done["gone"] += len(live) - len(copies) - len(moved)
    return back
