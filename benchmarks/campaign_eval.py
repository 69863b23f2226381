"""Campaign linking quality: template copies, false merges among personal mail, paraphrase recall.

1. Templates: five recipients per template (clean fills) in one in-memory index; share of copies
   linked to their own template's campaign, links across templates, and the similarity margin
   (each copy's best same-template similarity against the highest cross-template one).
2. False merges: every `personal` message of the corpus indexed together; messages linked to
   another personal message, how many have an identical masked skeleton in their campaign
   (repeated automated mail the corpus labels personal), how many have no copy whose exact
   shingle Jaccard reaches 0.8 (merged with a text that is not near-identical), and sources.
3. Paraphrase probe: four clean copies of each template indexed, a fifth reworded (synonym swaps,
   sentence reorder, both) and looked up; recall = share that finds its own template's campaign.
The corpus is --corpus, else $SINCERE_BENCH_CORPUS, else built from ../shared/corpora.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from detector.campaigns import CampaignIndex
from detector.campaigns.fingerprint import LINK_THRESHOLD, fingerprint, shingles
from detector.engine import prepare
from detector.message import InvalidMessage
from detector.parsing.rfc822 import UndecodableMessage
from detector.signals import default_registry

REPO = Path(__file__).resolve().parents[1]
CONTRACT_KEYS = ("id", "channel", "subject", "body", "recipient", "sender", "thread")
SYNONYMS = {
    "help": "assist", "quick": "brief", "call": "chat", "week": "weekdays", "team": "crew", "teams": "crews",
    "great": "excellent", "love": "enjoy", "saw": "noticed", "noticed": "spotted", "looking": "searching",
    "interested": "keen", "time": "moment", "minutes": "mins", "thanks": "cheers", "hi": "hello",
    "hello": "hey", "reach": "contact", "growth": "expansion", "happy": "glad", "free": "available",
    "improve": "boost", "cut": "reduce", "companies": "firms", "company": "firm", "idea": "thought",
    "worth": "valuable", "share": "send", "work": "function", "working": "operating", "new": "fresh",
    "best": "regards", "just": "simply", "think": "believe", "really": "truly", "would": "could",
    "results": "outcomes", "easy": "simple", "fast": "quick", "show": "demo", "today": "now",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"[A-Za-z']+")


def contract(record: dict) -> dict:
    return {k: record[k] for k in CONTRACT_KEYS if k in record}


def fingerprints(records: list[dict], registry) -> list:
    out = []
    for record in records:
        try:
            out.append(fingerprint(*prepare(contract(record), registry)))
        except (InvalidMessage, UndecodableMessage):
            out.append(None)
    return out


def swap_synonyms(text: str) -> str:
    def swap(m: re.Match) -> str:
        word = m.group()
        new = SYNONYMS.get(word.lower())
        if new is None:
            return word
        return new.capitalize() if word[0].isupper() else new

    return _WORD.sub(swap, text)


def reorder(text: str, rng: random.Random) -> str:
    parts = [p for p in _SENTENCE.split(text) if p.strip()]
    rng.shuffle(parts)
    return " ".join(parts)


def templates_eval(copies: list[dict], registry) -> dict:
    fps = fingerprints(copies, registry)
    campaigns = CampaignIndex().link(fps)
    members = defaultdict(set)
    for r, c in zip(copies, campaigns):
        if c is not None:
            members[c.id].add(r["template_id"])
    linked = sum(c is not None and members[c.id] == {r["template_id"]} for r, c in zip(copies, campaigns))
    per_template = defaultdict(set)
    for r, c in zip(copies, campaigns):
        per_template[r["template_id"]].add(c.id if c else None)
    sigs = np.array([fp.signature for fp in fps])
    tids = np.array([r["template_id"] for r in copies])
    best_same, best_cross = [], 0.0
    for i in range(len(fps)):
        sims = (sigs == sigs[i]).mean(axis=1)
        same = (tids == tids[i])
        same[i] = False
        best_same.append(sims[same].max())
        best_cross = max(best_cross, sims[~(tids == tids[i])].max())
    return {
        "templates": len(per_template), "copies": len(copies),
        "linked_to_own_campaign": round(linked / len(copies), 4),
        "campaigns_spanning_templates": sum(len(m) > 1 for m in members.values()),
        "templates_in_exactly_one_campaign": round(
            sum(len(s) == 1 and None not in s for s in per_template.values()) / len(per_template), 4),
        "best_same_template_similarity_p1": round(float(np.percentile(best_same, 1)), 3),
        "best_same_template_similarity_min": round(float(min(best_same)), 3),
        "highest_cross_template_similarity": round(float(best_cross), 3),
        "link_threshold": LINK_THRESHOLD,
    }


def false_merges(corpus: Path, registry) -> dict:
    from training.dataset import read_table, to_record

    frame = read_table(corpus)
    frame = frame[frame["label"] == "personal"]
    rows = frame.to_dict("records")
    fps = fingerprints([to_record(r) for r in rows], registry)
    campaigns = CampaignIndex().link(fps)
    linked = [i for i, c in enumerate(campaigns) if c is not None]
    by_campaign = defaultdict(list)
    for i in linked:
        by_campaign[campaigns[i].id].append(i)
    identical = sum(1 for i in linked if any(fps[j].tokens == fps[i].tokens for j in by_campaign[campaigns[i].id] if j != i))
    sets = {i: set(shingles(fps[i].tokens)) for i in linked}
    closest = {i: max(len(sets[i] & sets[j]) / len(sets[i] | sets[j]) for j in by_campaign[campaigns[i].id] if j != i)
               for i in linked}
    pairs = sum(len(m) * (len(m) - 1) // 2 for m in by_campaign.values())
    return {
        "personal_messages": len(rows),
        "fingerprinted": sum(fp is not None for fp in fps),
        "linked_messages": len(linked),
        "linked_share": round(len(linked) / len(rows), 5),
        "linked_pairs": pairs,
        "campaigns": len(by_campaign),
        "linked_with_identical_skeleton": identical,
        "linked_with_closest_copy_below_0.8_jaccard": sum(v < 0.8 for v in closest.values()),
        "linked_by_source": dict(Counter(rows[i]["source"] for i in linked)),
        "linked_by_kind": dict(Counter(rows[i].get("kind") for i in linked)),
        "largest_campaigns": sorted((len(m) for m in by_campaign.values()), reverse=True)[:10],
    }


def paraphrase_probe(copies: list[dict], registry, seed: int = 13) -> dict:
    rng = random.Random(seed)
    by_template = defaultdict(list)
    for r in copies:
        by_template[r["template_id"]].append(r)
    variants = {"unchanged": lambda t: t, "synonym swaps": swap_synonyms,
                "sentence reorder": lambda t: reorder(t, rng), "both": lambda t: reorder(swap_synonyms(t), rng)}
    recall = {}
    groups = [g for g in by_template.values() if len(g) >= 2]
    for name, change in variants.items():
        index = CampaignIndex()
        found = 0
        for group in groups:
            known = fingerprints(group[:-1], registry)
            index.prefill(known)
            own = {c.id for c in index.link(known) if c is not None} or {None}
            probe = dict(group[-1], id=group[-1]["id"] + "-probe", body=change(group[-1]["body"]))
            fp = fingerprints([probe], registry)[0]
            hit = index.lookup(fp) if fp is not None else None
            found += hit is not None and hit.id in own
        recall[name] = round(found / len(groups), 4)
    return {"templates": len(groups), "recall": recall}


def find_corpus(given: Path | None, work: Path) -> Path | None:
    if given:
        return given
    if os.environ.get("SINCERE_BENCH_CORPUS"):
        return Path(os.environ["SINCERE_BENCH_CORPUS"])
    corpora = REPO.parent / "shared" / "corpora"
    if not corpora.is_dir():
        return None
    from training.corpus import build_corpus, project_extras

    out = work / "corpus.parquet"
    build_corpus(corpora, out, seed=13,
                 extra_records=project_extras(REPO / "data/templates", REPO / "data/personal", 13))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--corpus", type=Path)
    args = parser.parse_args()
    from training.templates import render_smile

    registry = default_registry()
    copies = [r for r in render_smile(REPO / "data/templates", seed=13, copies_per_template=5)
              if r["merge_failure"] is None]
    metrics = {"templates": templates_eval(copies, registry)}
    print(json.dumps(metrics["templates"]), flush=True)
    metrics["paraphrase"] = paraphrase_probe(copies, registry)
    print(json.dumps(metrics["paraphrase"]), flush=True)
    work = Path(os.environ.get("SINCERE_BENCH_WORK") or tempfile.mkdtemp(prefix="campaign-eval-"))
    corpus = find_corpus(args.corpus, work)
    notes = []
    if corpus is None:
        notes.append("False merges: no corpus (../shared/corpora absent); not measured.")
    else:
        metrics["false_merges"] = false_merges(corpus, registry)
        print(json.dumps(metrics["false_merges"]), flush=True)
    fragment = {"benchmark": "campaign_eval", "title": "Campaign linking: templates, false merges, paraphrases",
                "data": "the template library (5 recipients each, clean fills) and the corpus's personal messages",
                "notes": notes, "metrics": metrics}
    text = json.dumps(fragment, indent=2) + "\n"
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    else:
        print(text)


if __name__ == "__main__":
    main()
