"""Reworded-template probe: does a model still catch outreach once its wording is changed?

Each smile message of the chosen split is reworded deterministically: stock outreach phrases
are swapped for synonyms a template never used ("I came across" → "I stumbled on", "would you
be open to" → "any appetite for") and the middle sentences are reordered (greeting and sign-off
stay put). The meaning, and the mass production, stay; the n-grams a wording model learned do
not. Recall of the reworded copies is measured next to the originals, at each bundle's shipped
threshold and at the threshold that flags 1 % of the split's personal messages.

    python -m training.reworded_probe --data corpus.parquet BUNDLE [BUNDLE ...] [--out probe.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from training.dataset import read_table
from training.evaluate import score_frame, select_split
from training.fit_policy import threshold_for_fpr

SYNONYMS: dict[str, tuple[str, ...]] = {
    "i came across": ("i stumbled on", "i ran into", "i happened upon"),
    "reaching out": ("getting in touch", "dropping you a line", "writing to you"),
    "quick question": ("brief query", "small ask", "short question"),
    "quick one": ("brief one", "short note"),
    "would you be open to": ("any appetite for", "how would you feel about", "keen on"),
    "would you be interested in": ("any interest in", "could you use", "fancy"),
    "are you open to": ("any appetite for", "up for"),
    "open to": ("up for", "keen on"),
    "let me know": ("tell me", "drop me a note", "give me a shout"),
    "i'd love to": ("i'd be glad to", "i'd really like to"),
    "would love to": ("would be glad to", "would really like to"),
    "love what you're doing": ("admire your work", "really like your work"),
    "i noticed": ("i saw", "i spotted", "it caught my eye that"),
    "we help": ("we work with", "we support"),
    "we've helped": ("we've worked with", "we've supported"),
    "a handful of": ("a few", "a small group of"),
    "put together": ("prepared", "drafted"),
    "get more out of": ("make more of", "squeeze more from"),
    "a quick": ("a brief", "a short"),
    "a short": ("a brief", "a small"),
    "call": ("chat", "conversation"),
    "interested": ("curious", "keen"),
    "opportunity": ("opening", "chance"),
    "great": ("excellent", "terrific"),
    "fantastic": ("brilliant", "superb"),
    "help": ("assist", "support"),
    "connect": ("link up", "get in touch"),
    "thanks": ("cheers", "many thanks"),
    "best regards": ("kind wishes", "all the best"),
    "best": ("cheers", "warmly"),
    "hi": ("hey", "hello"),
    "hello": ("hey", "good day"),
}
_PATTERN = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(SYNONYMS, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _swap(match: re.Match, rng: random.Random) -> str:
    found = match.group(0)
    choice = rng.choice(SYNONYMS[found.lower()])
    return choice[:1].upper() + choice[1:] if found[:1].isupper() else choice


def reword(text: str, seed: int) -> str:
    """Synonyms for stock phrases, then the middle sentences of each paragraph block reordered."""
    rng = random.Random(seed)
    swapped = _PATTERN.sub(lambda m: _swap(m, rng), text)
    paragraphs = [p for p in re.split(r"\n\s*\n", swapped)]
    if len(paragraphs) >= 4:  # greeting, body..., sign-off: shuffle the body paragraphs
        body = paragraphs[1:-1]
        rng.shuffle(body)
        paragraphs = [paragraphs[0], *body, paragraphs[-1]]
    else:
        sentences = _SENTENCE.split(" ".join(paragraphs))
        if len(sentences) >= 4:
            middle = sentences[1:-1]
            rng.shuffle(middle)
            sentences = [sentences[0], *middle, sentences[-1]]
        paragraphs = [" ".join(sentences)]
    return "\n\n".join(paragraphs)


def probe_frame(frame: pd.DataFrame, seed: int = 13) -> pd.DataFrame:
    """The split's personal rows, its smile rows, and a reworded copy of each smile row (label 'reworded')."""
    smile = frame[frame["label"] == "smile"]
    reworded = smile.assign(
        id=[f"{i}~reworded" for i in smile["id"]],
        body=[reword(str(b), seed + n) for n, b in enumerate(smile["body"])],
        label="reworded",
    )
    return pd.concat([frame[frame["label"] == "personal"], smile, reworded]).reset_index(drop=True)


def _flagged(scores: np.ndarray, threshold: float) -> float:
    return float(np.mean(scores >= threshold)) if len(scores) else float("nan")


def probe(bundles: Sequence[Path], data: Path, split: str, seed: int = 13) -> list[dict[str, Any]]:
    """Each bundle's recall of the split's smile messages and of their reworded copies, at its own threshold and
    at 1 % FPR on the split's personal messages."""
    frame = probe_frame(select_split(read_table(data), split, data), seed)
    labels = frame["label"].to_numpy()
    reports = []
    for bundle in bundles:
        scored = score_frame(bundle, frame.assign(label=np.where(labels == "reworded", "smile", labels)))
        scores = np.array([r["score"] if r["score"] is not None else np.nan for r in scored.results])
        at_1pct = threshold_for_fpr(scores[labels == "personal"], 0.01)
        reports.append({
            "model": scored.detector.model_version,
            "bundle": str(bundle),
            "n": {k: int((labels == k).sum()) for k in ("personal", "smile", "reworded")},
            "recall_smile@policy": _flagged(scores[labels == "smile"], scored.threshold),
            "recall_reworded@policy": _flagged(scores[labels == "reworded"], scored.threshold),
            "fpr_personal@policy": _flagged(scores[labels == "personal"], scored.threshold),
            "recall_smile@1%fpr": _flagged(scores[labels == "smile"], at_1pct),
            "recall_reworded@1%fpr": _flagged(scores[labels == "reworded"], at_1pct),
        })
    return reports


def main(argv: Sequence[str] | None = None) -> None:
    """Run the probe from the command line, print one row per bundle and optionally save the reports as JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundles", nargs="+", type=Path)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--split", default="test")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    reports = probe(args.bundles, args.data, args.split, args.seed)
    columns = [k for k in reports[0] if k not in ("bundle", "n")]
    print(" | ".join(columns))
    for r in reports:
        print(" | ".join(r[c] if isinstance(r[c], str) else f"{r[c]:.4f}" for c in columns))
    print(f"rows: {reports[0]['n']}")
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
