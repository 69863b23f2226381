"""LinkedIn data export `messages.csv`: one row per message, threads rebuilt per conversation.

Columns are found by name (older exports lack some). Each message's `thread` holds the earlier
messages of its conversation, flagged `from_recipient` where the inbox owner wrote them, so
SHARED_HISTORY can see a reply to what the owner said. An export is small (one person's
messages), so the file is read whole to rebuild threads.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from detector.batch.readers.base import Position

THREAD_ITEMS = 20
_HTML = re.compile(r"<(?:p|br|div|a|span)\b", re.IGNORECASE)


class NotLinkedIn(ValueError):
    """The CSV lacks the columns of a LinkedIn messages export."""


def is_linkedin(path: Path) -> bool:
    """Whether the CSV's header has a LinkedIn export's columns (FROM, CONTENT, and CONVERSATION ID or DATE)."""
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as stream:
            header = {h.strip().upper() for h in next(csv.reader(stream), [])}
    except OSError:
        return False
    return {"FROM", "CONTENT"} <= header and bool({"CONVERSATION ID", "DATE"} & header)


def _date(value: str) -> datetime | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace(" UTC", "+00:00"))
    except ValueError:
        pass
    for fmt in ("%m/%d/%Y, %I:%M %p", "%m/%d/%y, %I:%M %p", "%m/%d/%Y %H:%M"):
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def _names(value: str | None) -> list[str]:
    return [n.strip() for n in (value or "").split(",") if n.strip()]


def infer_owner(rows: list[dict[str, str]]) -> str | None:
    """The participant in the most conversations: the person whose export this is."""
    seen: dict[str, set[str]] = defaultdict(set)
    for i, row in enumerate(rows):
        conversation = row.get("CONVERSATION ID") or row.get("CONVERSATION TITLE") or str(i)
        for name in [*_names(row.get("FROM")), *_names(row.get("TO"))]:
            seen[name].add(conversation)
    counts = Counter({name: len(convs) for name, convs in seen.items()})
    return counts.most_common(1)[0][0] if counts else None


def read(path: Path, position: Position, source: str, me: str | None = None) -> Iterator[dict[str, Any]]:
    """One `linkedin` row per message with its conversation's earlier messages as `thread`; `me` names the
    owner (else `infer_owner`). Ids are `source:N`, N counting the header as row 1."""
    with path.open(encoding="utf-8-sig", errors="replace", newline="") as stream:
        reader = csv.DictReader(stream)
        reader.fieldnames = [h.strip().upper() for h in reader.fieldnames or []]
        if not {"FROM", "CONTENT"} <= set(reader.fieldnames):
            raise NotLinkedIn(f"{source}: not a LinkedIn messages export (needs FROM and CONTENT columns)")
        rows = [{k: v for k, v in row.items() if isinstance(k, str)} for row in reader]
    position.total = len(rows)
    owner = (me or infer_owner(rows) or "").strip().lower()
    conversations: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        key = row.get("CONVERSATION ID") or row.get("CONVERSATION TITLE") or f"row {i}"
        conversations[key].append(i)
    earlier: dict[int, list[int]] = {}
    for members in conversations.values():
        ordered = sorted(members, key=lambda i: (_date(rows[i].get("DATE", "")) is None,
                                                 _date(rows[i].get("DATE", "")) or datetime.min, -i))
        for k, i in enumerate(ordered):
            earlier[i] = ordered[max(0, k - THREAD_ITEMS):k]
    for i, row in enumerate(rows):
        content = row.get("CONTENT") or ""
        sender = (row.get("FROM") or "").strip()
        record: dict[str, Any] = {
            "id": f"{source}:{i + 2}",
            "channel": "linkedin",
            "source": source,
            "thread_id": row.get("CONVERSATION ID") or None,
            "labels": [row["FOLDER"]] if row.get("FOLDER") else [],
            "_to": [(name, None) for name in _names(row.get("TO"))],
        }
        if sender:
            record["sender"] = {k: v for k, v in (("name", sender), ("profile_url", row.get("SENDER PROFILE URL"))) if v}
        if row.get("SUBJECT"):
            record["subject"] = row["SUBJECT"]
        record["body_html" if _HTML.search(content) else "body"] = content
        when = _date(row.get("DATE", ""))
        record["sent_at"] = when.isoformat() if when else None
        record["thread"] = [{"from_recipient": (rows[j].get("FROM") or "").strip().lower() == owner if owner else None,
                             "body": rows[j].get("CONTENT") or ""} for j in earlier[i] if rows[j].get("CONTENT")]
        position.done += 1
        yield record
