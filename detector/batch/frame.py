"""`score_frame`: the unit of batch work, a pandas DataFrame of scan rows in, results out.

The local runner and every Dask worker call this same function; scoring itself is
`Detector.score_many`, so a frame's results are exactly what `sincere score` gives.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from typing import Any

import pandas as pd
import pyarrow as pa

from detector.campaigns.fingerprint import Fingerprint
from detector.campaigns.stores import open_campaign_store
from detector.campaigns.stores.contract import CampaignStore
from detector.contract import INPUT_FIELDS, RESULT_FIELDS
from detector.engine import BadLine, Detector
from detector.sender_rules import SenderRules

NESTED = ("reasons", "personalization", "campaign", "voice", "labels")
"""Object-valued columns; JSON text in Parquet and CSV output, objects in JSONL."""
OUTPUT_COLUMNS = (*RESULT_FIELDS, "source", "sender", "sent_at", "labels", "thread_id", "from_me")
PARSE_BUDGET_S = 5.0
"""A message whose reading takes longer is an error row ("too expensive to parse"), not minutes of a scan."""
SCHEMA = pa.schema([(name, pa.float64() if name == "score" else pa.bool_() if name == "from_me" else pa.string())
                    for name in OUTPUT_COLUMNS])


def _present(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _value(row: dict[str, Any], key: str) -> Any:
    value = row.get(key)
    return value if _present(value) else None


def _record(row: dict[str, Any]) -> Any:
    if _value(row, "read_error"):
        return BadLine(row["read_error"], _value(row, "id"))
    return {k: row[k] for k in INPUT_FIELDS if _present(row.get(k))}


def sender_display(sender: Any) -> str | None:
    """'Name <address>' (or whichever part is known) for reports and the `sender` column."""
    if not isinstance(sender, dict):
        return None
    name, email = sender.get("name"), sender.get("email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or sender.get("profile_url")


def _from_me(row: dict[str, Any]) -> bool:
    """Whether the record's sender is its recipient (the owner's own sent messages)."""
    sender, me = _value(row, "sender"), _value(row, "recipient")
    if not isinstance(sender, dict) or not isinstance(me, dict):
        return False
    if sender.get("email") and me.get("email"):
        return str(sender["email"]).lower() == str(me["email"]).lower()
    return bool(sender.get("name") and me.get("name") and sender["name"].strip().lower() == me["name"].strip().lower())


def fingerprint_frame(frame: pd.DataFrame, detector: Detector | None = None) -> list[Fingerprint | None]:
    """The campaign pass: one fingerprint (or None) per row, for `CampaignStore.prefill`."""
    detector = detector or Detector.open()
    return list(detector.fingerprint_many((_record(row) for row in frame.to_dict("records")), PARSE_BUDGET_S))


def score_frame(frame: pd.DataFrame, detector: Detector | None = None,
                campaigns: CampaignStore | None = None, sender_rules: SenderRules | None = None) -> pd.DataFrame:
    """One result row per input row, same order: contract result columns plus metadata columns.

    `campaigns` is the inbox-wide index (prefilled from every frame's fingerprints); without it
    the engine links copies within this frame only. `sender_rules`: the user's (Detector.score_many).
    """
    detector = detector or Detector.open()
    rows = frame.to_dict("records")
    results = detector.score_many([_record(row) for row in rows], campaigns=campaigns, parse_budget_s=PARSE_BUDGET_S,
                                  sender_rules=sender_rules)
    out = []
    for row, result in zip(rows, results, strict=True):
        labels = _value(row, "labels")
        out.append({
            **{k: result.get(k) for k in RESULT_FIELDS},
            "source": _value(row, "source"),
            "sender": sender_display(_value(row, "sender")),
            "sent_at": _value(row, "sent_at"),
            "labels": list(labels) if labels is not None else [],
            "thread_id": _value(row, "thread_id"),
            "from_me": _from_me(row),
        })
    return pd.DataFrame(out, columns=list(OUTPUT_COLUMNS))


@lru_cache(maxsize=4)
def campaigns_for(url: str, run: str) -> CampaignStore:
    """One campaign index connection per process and scan run (`run` keeps runs apart)."""
    return open_campaign_store(url)


def to_table(frame: pd.DataFrame) -> pa.Table:
    """Results as an Arrow table with a fixed schema (nested fields as JSON text)."""
    columns = {}
    for name in OUTPUT_COLUMNS:
        values = frame[name].tolist()
        if name in NESTED:
            values = [json.dumps(v, ensure_ascii=False) if v is not None else None for v in values]
        elif name == "score":
            values = [float(v) if _present(v) else None for v in values]
        elif name != "from_me":
            values = [str(v) if _present(v) else None for v in values]
        columns[name] = values
    return pa.Table.from_pydict(columns, schema=SCHEMA)
