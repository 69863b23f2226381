"""The scan report: one self-contained HTML file (inline CSS, plots as embedded PNGs).

It shows counts and aggregates only — verdicts, scores, senders, campaigns, dates and error
reasons — never message text. Messages the owner wrote are left out of the charts.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from detector.batch.checkpoint import Checkpoint, write_atomic  # noqa: E402
from detector.batch.owner import Owner  # noqa: E402

COLUMNS = ["id", "score", "verdict", "campaign", "error", "source", "sender", "sent_at", "from_me"]
VERDICTS = ("personal", "smile", "bulk", "error")
COLOURS = {"personal": "#2e7d32", "smile": "#f9a825", "bulk": "#607d8b", "error": "#c62828"}
TOP, ERROR_ROWS = 15, 500
CSS = """body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:62em;color:#222;padding:0 1em}
h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ddd}table{border-collapse:collapse;margin:.5em 0}
td,th{border:1px solid #ddd;padding:.25em .6em;text-align:left}td.n{text-align:right}img{max-width:100%}
.note{color:#666}"""


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def _table(headers: list[str], rows: list[list], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td{" class=n" if i in numeric else ""}>{escape(str(v))}</td>'
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _section(key: str, title: str, body: str) -> str:
    return f'<section id="{key}"><h2>{escape(title)}</h2>{body}</section>'


def _verdict_mix(frame: pd.DataFrame) -> str:
    counts = frame["verdict"].value_counts().reindex(VERDICTS, fill_value=0)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.barh(list(counts.index)[::-1], list(counts.values)[::-1], color=[COLOURS[v] for v in counts.index][::-1])
    ax.set_xlabel("messages")
    total = max(int(counts.sum()), 1)
    rows = [[v, f"{int(c):,}", f"{100 * c / total:.1f} %"] for v, c in counts.items()]
    return _png(fig) + _table(["verdict", "messages", "share"], rows, {1, 2})


def _score_distribution(frame: pd.DataFrame) -> str:
    scores = frame["score"].dropna()
    if scores.empty:
        return '<p class="note">No scored messages.</p>'
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.hist(scores, bins=40, range=(0, 1), color="#5c6bc0")
    ax.set_xlabel("score (probability the message was mass-produced)")
    ax.set_ylabel("messages")
    return _png(fig)


def _some(names: list[str], shown: int = 3) -> str:
    more = f" and {len(names) - shown:,} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


_DOMAIN = re.compile(r"@([\w.-]+?)>?$")
_LOCATION = re.compile(r"^.*? line \d+: ")
"""Where in its file a bad line was ("inbox.jsonl line 12: "), left out when error reasons are counted."""


def _domain(sender: str) -> str | None:
    found = _DOMAIN.search(sender)
    return found.group(1).lower() if found else None


def _campaign_name(senders: set[str]) -> str:
    """A campaign by what the user already sees: its senders' domains (else their names), never its text."""
    domains = sorted({d for s in senders if (d := _domain(s))}) or sorted(senders)
    return _some(domains, shown=2) if domains else "(unknown sender)"


def _campaigns(frame: pd.DataFrame) -> str:
    linked = frame["campaign"].dropna()
    if linked.empty:
        return '<p class="note">No campaigns were linked in this scan.</p>'
    rows: dict[str, dict] = {}
    for text, sender in zip(linked, frame.loc[linked.index, "sender"], strict=True):
        campaign = json.loads(text)
        entry = rows.setdefault(str(campaign.get("id")), {"copies": 0, "recipients": 0, "slots": set(),
                                                          "here": 0, "senders": set()})
        entry["copies"] = max(entry["copies"], int(campaign.get("copies") or 0))
        entry["recipients"] = max(entry["recipients"], int(campaign.get("recipients") or 0))
        entry["slots"].update(campaign.get("varying_slots") or [])
        entry["here"] += 1
        if sender:
            entry["senders"].add(sender)
    top = sorted(rows.items(), key=lambda kv: (-kv[1]["copies"], -kv[1]["here"], kv[0]))[:TOP]
    labels = [f"{_campaign_name(e['senders'])[:32]} · {key[:6]}" for key, e in top]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(top) + 1))
    ax.barh(labels[::-1], [e["copies"] for _, e in top][::-1], color=COLOURS["smile"])
    ax.set_xlabel("copies")
    table = _table(["campaign (sender domains)", "id", "copies", "recipients", "in this inbox", "varying slots",
                    "senders"],
                   [[_campaign_name(e["senders"]), key, e["copies"], e["recipients"], e["here"],
                     ", ".join(sorted(e["slots"])) or "—", _some(sorted(e["senders"]))] for key, e in top], {2, 3, 4})
    return _png(fig) + table


def _senders(frame: pd.DataFrame) -> str:
    smiles = frame[frame["verdict"] == "smile"]["sender"].fillna("(unknown sender)").value_counts().head(TOP)
    if smiles.empty:
        return '<p class="note">No message was judged spam with a smile.</p>'
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(smiles) + 1))
    ax.barh([s[:40] for s in smiles.index][::-1], list(smiles.values)[::-1], color=COLOURS["smile"])
    ax.set_xlabel("smile messages")
    return _png(fig) + _table(["sender", "smile messages"], [[s, int(c)] for s, c in smiles.items()], {1})


def _over_time(frame: pd.DataFrame) -> str:
    when = pd.to_datetime(frame["sent_at"], utc=True, errors="coerce", format="ISO8601")
    dated = frame.assign(month=when.dt.tz_localize(None).dt.to_period("M"))[when.notna() & (frame["verdict"] != "error")]
    if dated.empty:
        return '<p class="note">No message carries a date.</p>'
    share = dated.groupby("month")["verdict"].agg(lambda v: (v == "smile").mean() * 100)
    counts = dated.groupby("month").size()
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.plot([m.to_timestamp() for m in share.index], share.values, marker="o", color=COLOURS["smile"])
    ax.xaxis.set_major_locator(locator := mdates.AutoDateLocator())  # a time axis: empty months keep their gap
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel("% smile")
    ax.set_ylim(0, 100)
    return _png(fig) + _table(["month", "messages", "% smile"],
                              [[str(m), int(counts[m]), f"{share[m]:.1f}"] for m in share.index], {1, 2})


def _errors(frame: pd.DataFrame) -> str:
    errors = frame[frame["verdict"] == "error"]
    if errors.empty:
        return '<p class="note">Every message was scored.</p>'
    reasons = errors["error"].fillna("").str.replace(_LOCATION, "", regex=True).value_counts().head(TOP)
    shown = errors.head(ERROR_ROWS)
    more = f'<p class="note">First {ERROR_ROWS:,} of {len(errors):,} error rows.</p>' if len(errors) > ERROR_ROWS else ""
    return (f"<p>{len(errors):,} messages could not be scored; each has an error row in the results.</p>"
            + _table(["reason", "messages"], [[r, int(c)] for r, c in reasons.items()], {1})
            + _table(["id", "source", "error"], shown[["id", "source", "error"]].fillna("").values.tolist())
            + more)


def render(frame: pd.DataFrame, owner: Owner, fmt: str, notes: Sequence[str] = ()) -> str:
    """The report page for a results frame (the columns in COLUMNS), with the reader's notes on the input
    (an mbox whose `From ` lines and messages differ in count) under the introduction."""
    theirs = frame[~frame["from_me"].fillna(False).astype(bool)]
    who = owner.name or owner.email or "unknown"
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    intro = (f"<p>{len(frame):,} messages from a {escape(fmt)} export, inbox owner {escape(who)}; "
             f"{len(frame) - len(theirs):,} written by the owner are left out of the charts. Generated {when}.</p>")
    intro += "".join(f'<p class="note">Note: {escape(note)}</p>' for note in notes)
    sections = [
        _section("verdicts", "Verdict mix", _verdict_mix(theirs)),
        _section("scores", "Score distribution", _score_distribution(theirs)),
        _section("campaigns", "Top campaigns", _campaigns(theirs)),
        _section("senders", "Senders by smile count", _senders(theirs)),
        _section("over-time", "Smile share over time", _over_time(theirs)),
        _section("errors", "Error rows", _errors(frame)),
    ]
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sincere inbox report</title>'
            f"<style>{CSS}</style></head><body><h1>Sincere inbox report</h1>{intro}{''.join(sections)}</body></html>")


def write_report(checkpoint: Checkpoint, path: Path, owner: Owner, fmt: str, notes: Sequence[str] = ()) -> None:
    """Write the report of a finished scan's parts to `path`, atomically."""
    tables = [t.to_pandas() for t in checkpoint.tables(COLUMNS)]
    frame = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=COLUMNS)
    page = render(frame, owner, fmt, notes)
    write_atomic(path, lambda tmp: tmp.write_text(page, encoding="utf-8"))
