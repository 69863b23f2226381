"""The labelled corpus: public sources plus the project's own records, deduplicated, split, one Parquet file.

Two builds with the same inputs and seed give byte-identical files, so a model card can name
the data by hash. Splits are group-aware (a mailbox, a list, a template, a spam campaign never
straddles two splits) because the public sources' labels are confounded with date and topic.
"""

from __future__ import annotations

import hashlib
import json
import random
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from detector.contract import CHANNELS
from detector.message import Person
from detector.models.artifacts import sha256_file
from training.progress import step, track
from training.public_outreach import DEFAULT_TEMPLATES, read_public_outreach, read_public_personal
from training.sources import (
    LABELS,
    READERS,
    RECORD_KEYS,
    CorpusError,
    Skips,
    input_files,
    tokens,
)
from training.templates import load_fills

SPLITS = ("train", "val", "test")
SPLIT_SHARES = {"train": 0.70, "val": 0.15, "test": 0.15}
OVERLAP_TOKENS = 40
"""Enron's SA_and_HP spam whose first this-many body tokens equal a SpamAssassin spam is a copy."""
ROW_GROUP_SIZE = 4096

_PERSON = pa.struct([(name, pa.string()) for name in Person.__dataclass_fields__])
_THREAD = pa.list_(pa.struct([("from_recipient", pa.bool_()), ("body", pa.string())]))
SCHEMA = pa.schema([
    ("id", pa.string()), ("split", pa.string()), ("label", pa.string()), ("kind", pa.string()),
    ("channel", pa.string()), ("source", pa.string()), ("group", pa.string()),
    ("subject", pa.string()), ("body", pa.string()), ("raw", pa.string()),
    ("sender", _PERSON), ("recipient", _PERSON), ("thread", _THREAD),
    ("licence", pa.string()), ("family", pa.string()), ("template_id", pa.string()),
    ("merge_failure", pa.string()), ("repo", pa.string()), ("author", pa.string()),
])
"""Fixed column order; sender/recipient are structs with every `Person` field (absent ones null)."""


@dataclass
class BuildReport:
    """What a corpus build wrote and left out, per label, channel, split and source; saved beside the corpus and
    rendered into the data card."""

    out: Path
    report_path: Path
    seed: int
    rows: int
    counts: dict[str, dict[str, dict[str, int]]]
    """label -> channel -> split -> rows."""
    by_source: dict[str, dict[str, dict[str, int]]]
    """source -> label -> split -> rows."""
    skipped: dict[str, dict[str, int]]
    """source -> unreadable / empty_body -> records left out."""
    dedup: dict[str, dict[str, int]]
    """reason -> source -> records dropped."""
    inputs: dict[str, str]
    extra_records: dict[str, Any] = field(default_factory=dict)
    named_spam: int = 0
    """Spam records given a recipient greeted by name (address_some_spam)."""

    def to_json(self) -> dict[str, Any]:
        """The report as saved: everything but the two paths (they depend on where the build ran)."""
        return {
            "seed": self.seed, "rows": self.rows, "inputs": self.inputs, "extra_records": self.extra_records,
            "named_spam": self.named_spam,
            "skipped": self.skipped, "dedup": self.dedup, "counts": self.counts, "by_source": self.by_source,
        }


def report_path_for(out: Path) -> Path:
    """Where the build report of the corpus at `out` is saved: beside it, as NAME.report.json."""
    return Path(out).with_suffix(".report.json")


def _checked_extra(data: dict[str, Any]) -> dict[str, Any]:
    """An extra record with every column present; anything the schema cannot hold is an error."""
    where = f"extra record {data.get('id')!r}"
    unknown = set(data) - set(RECORD_KEYS) - {"thread"}
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "source", "group"):
        if not isinstance(data.get(key), str) or not data[key]:
            raise ValueError(f"{where}: '{key}' must be non-empty text")
    if data.get("label") not in LABELS or data.get("channel") not in CHANNELS:
        raise ValueError(f"{where}: label must be one of {LABELS} and channel one of {CHANNELS}")
    for key in ("sender", "recipient"):
        extra = set(data.get(key) or {}) - set(Person.__dataclass_fields__)
        if extra:
            raise ValueError(f"{where}: '{key}' has unknown fields {sorted(extra)}")
    return {key: data.get(key) for key in (*RECORD_KEYS, "thread")}


def text_key(record: dict[str, Any]) -> str:
    """The normalised text two records must not share: lower-case alphanumeric tokens of subject + body."""
    return " ".join(tokens(f"{record.get('subject') or ''}\n{record.get('body') or ''}"))


def _is_sa_and_hp(record: dict[str, Any]) -> bool:
    return record["source"] == "enron_spam" and ".SA_and_HP." in record["id"]


def deduplicate(records: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, dict[str, int]]]:
    """Drop Enron SA_and_HP copies of SpamAssassin spam, then exact normalised-text repeats (first kept)."""
    sa_spam = {tuple(tokens(r["body"] or "")[:OVERLAP_TOKENS])
               for r in records if r["source"] == "spamassassin" and r["label"] == "spam"}
    sa_spam.discard(())
    dropped: dict[str, Counter] = {"enron2_spamassassin_overlap": Counter(), "exact_duplicate": Counter()}
    seen: set[str] = set()
    kept = []
    for record in records:
        if _is_sa_and_hp(record) and tuple(tokens(record["body"] or "")[:OVERLAP_TOKENS]) in sa_spam:
            dropped["enron2_spamassassin_overlap"][record["source"]] += 1
            continue
        key = text_key(record)
        if key in seen:
            dropped["exact_duplicate"][record["source"]] += 1
            continue
        seen.add(key)
        kept.append(record)
    return kept, {reason: dict(sorted(counts.items())) for reason, counts in dropped.items()}


NAMED_SPAM_SHARE = 0.2
"""Share of spam given a recipient and greeting them by first name, as scams sent to leaked lists do."""
_SPAM_GREETINGS = ("", "", "Hi ", "Dear ", "Hello ")


def address_some_spam(records: list[dict[str, Any]], fills: dict[str, list[str]], seed: int) -> int:
    """Greet a seeded share of spam by name, so "the reader's name appears" is no sign of a personal
    note (a parcel scam reading "Dana, your package is on hold" is spam). Returns how many."""
    named = 0
    for record in records:
        recipient = record.get("recipient") or {}
        if record["label"] != "spam" or recipient.get("name"):
            continue
        if int(_seeded(seed, "named-spam:" + record["id"])[:8], 16) / 16**8 >= NAMED_SPAM_SHARE:
            continue
        rng = random.Random(_seeded(seed, record["id"]))
        first, last = rng.choice(fills["first_names"]), rng.choice(fills["last_names"])
        record["recipient"] = {**recipient, "name": f"{first} {last}", "first_name": first, "last_name": last}
        record["body"] = f"{rng.choice(_SPAM_GREETINGS)}{first}, {record['body']}"
        named += 1
    return named


def _seeded(seed: int, group: str) -> str:
    return hashlib.sha256(f"{seed}\x00{group}".encode()).hexdigest()


def assign_splits(records: list[dict[str, Any]], seed: int) -> dict[str, str]:
    """group -> split, filled greedily per stratum (label x source), biggest groups first.

    A group spanning strata (an Enron mailbox holds personal and bulk mail) belongs to its
    most common stratum, so it is placed once and never straddles splits. A group whose records
    come with a split (the public outreach repositories, split as their data card proposes)
    keeps it; one given two splits is an error.
    """
    fixed: dict[str, str] = {}
    for record in records:
        if record.get("split"):
            if fixed.setdefault(record["group"], record["split"]) != record["split"]:
                raise ValueError(f"group {record['group']!r} is given two splits")
    members: dict[str, Counter] = {}
    for record in records:
        if record["group"] in fixed:
            continue
        members.setdefault(record["group"], Counter())[(record["label"], record["source"])] += 1
    strata: dict[tuple[str, str], list[tuple[str, int]]] = {}
    for group in sorted(members):
        stratum = min(members[group].items(), key=lambda item: (-item[1], item[0]))[0]
        strata.setdefault(stratum, []).append((group, sum(members[group].values())))
    splits = {}
    for stratum in sorted(strata):
        groups = sorted(strata[stratum], key=lambda g: (-g[1], _seeded(seed, g[0])))
        total = sum(size for _, size in groups)
        filled = dict.fromkeys(SPLITS, 0)
        for group, size in groups:
            split = min(SPLITS, key=lambda s: (filled[s] / (SPLIT_SHARES[s] * total), SPLITS.index(s)))
            filled[split] += size
            splits[group] = split
    return splits | fixed


def _table(records: list[dict[str, Any]]) -> pa.Table:
    rows = sorted(records, key=lambda r: r["id"])
    columns = {}
    for name in SCHEMA.names:
        values = [row.get(name) for row in rows]
        if name in ("sender", "recipient"):
            values = [{k: v.get(k) for k in Person.__dataclass_fields__} if v else None for v in values]
        columns[name] = values
    return pa.Table.from_pydict(columns, schema=SCHEMA)


def _counts(records: list[dict[str, Any]], outer: str, inner: str) -> dict[str, dict[str, dict[str, int]]]:
    counts = Counter((r[outer], r[inner], r["split"]) for r in records)
    nested: dict[str, dict[str, dict[str, int]]] = {}
    for (a, b, split), n in sorted(counts.items()):
        nested.setdefault(a, {}).setdefault(b, dict.fromkeys(SPLITS, 0))[split] = n
    return nested


def build_corpus(corpora: Path, out: Path, seed: int = 13, extra_records: Iterable[dict] = (),
                 fills_dir: Path | None = None) -> BuildReport:
    """Read every public source, add `extra_records`, dedup, split, and write `out` plus its report.

    Public outreach templates are filled with the fill lists in `fills_dir` (default: the
    project's template library), which also name the spam that greets its reader by name."""
    corpora, out = Path(corpora), Path(out)
    if not corpora.is_dir():
        raise CorpusError(f"corpora folder not found: {corpora}")
    skips = Skips()
    public = [sorted(reader(corpora, skips), key=lambda r: r["id"])
              for reader in track(READERS, "reading the public corpora")]
    public += [sorted(read_public_outreach(corpora, skips, seed, templates_dir=fills_dir), key=lambda r: r["id"]),
               sorted(read_public_personal(corpora, skips), key=lambda r: r["id"])]
    extras = sorted((_checked_extra(r) for r in extra_records), key=lambda r: (r["source"], r["id"]))
    records = [{**r, "thread": None} for r in chain.from_iterable(public)] + extras
    duplicate_ids = [i for i, n in Counter(r["id"] for r in records).items() if n > 1]
    if duplicate_ids:
        raise ValueError(f"record ids are not unique, e.g. {sorted(duplicate_ids)[:5]}")

    named_spam = address_some_spam(records, load_fills(fills_dir or DEFAULT_TEMPLATES), seed)
    with step("deduplicating and splitting"):
        records, dedup = deduplicate(records)
        splits = assign_splits(records, seed)
    for record in records:
        record["split"] = splits[record["group"]]

    out.parent.mkdir(parents=True, exist_ok=True)
    table = _table(records).replace_schema_metadata({"sincere.seed": str(seed)})
    with step(f"writing {out.name}"):
        pq.write_table(table, out, row_group_size=ROW_GROUP_SIZE, compression="zstd", compression_level=9)
    extra_digest = hashlib.sha256(json.dumps(extras, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    report = BuildReport(
        out=out, report_path=report_path_for(out), seed=seed, rows=len(records),
        counts=_counts(records, "label", "channel"), by_source=_counts(records, "source", "label"),
        skipped=skips.summary(),
        dedup=dedup, inputs={str(p.relative_to(corpora)): sha256_file(p) for p in input_files(corpora)},
        extra_records={"count": len(extras), "sha256": extra_digest.hexdigest()}, named_spam=named_spam,
    )
    report.report_path.write_text(json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return report


def project_extras(templates_dir: Path, personal_dir: Path, seed: int) -> list[dict[str, Any]]:
    """The template library's smile copies and the hand-written personal messages, when available.

    Imported lazily: the corpus builds (with a warning) before `training.templates` exists.
    """
    try:
        from training import templates
    except ImportError as exc:
        warnings.warn(f"training.templates is not importable ({exc}); building without the project's "
                      "own smile and hand-written personal records", stacklevel=2)
        return []
    records = []
    for path, load in ((templates_dir, lambda: templates.render_smile(templates_dir, seed)),
                       (personal_dir, lambda: templates.load_personal(personal_dir))):
        if Path(path).is_dir():
            records += load()
        else:
            warnings.warn(f"{path} not found; its records are left out", stacklevel=2)
    return records
