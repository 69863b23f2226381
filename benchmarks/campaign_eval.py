"""Campaign linking quality: template copies, false merges among personal mail, paraphrase recall.

1. Templates: five recipients per template (clean fills) in one in-memory index; share of copies
   linked to their own template's campaign, links across templates, and the similarity margin
   (each copy's best same-template similarity against the highest cross-template one).
2. False merges: every `personal` message of the corpus indexed together. A personal message
   linked to another one is a false merge unless every message it is linked to is the same text
   (one holds the other's words with words only added: a forward, a greeting, a pasted copy);
   those are counted apart. Share = false merges / personal messages. Also: the test split indexed
   alone (held out), and the choice of UNVARIED_THRESHOLD on the train+val split only (links among
   train+val personal messages against template linking, per candidate threshold).
3. Paraphrase probe: four clean copies of each template indexed, a fifth reworded (synonym swaps,
   sentence reorder, both) and looked up; recall = share that finds its own template's campaign.
4. Public templates (`text/public_outreach.jsonl.gz`, 589 third-party templates nobody here wrote):
   five recipients each, filled by the corpus builder's filler (training.public_outreach; the first
   five copies without a merge failure), linked as in 1, twice: clean fills, and the same copies
   with an AI-style personalised opener per recipient ("saw your post about...", "congrats on the
   Series A...") on the shared pitch, from OPENER_FRAMES below, no two copies of a template alike.
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
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
from render import write_fragment

from detector.campaigns.fingerprint import LINK_THRESHOLD, UNVARIED_THRESHOLD, fingerprint
from detector.campaigns.reason import campaign_hit
from detector.campaigns.stores.memory import MemoryCampaignStore
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
_TOKEN = re.compile(r"[^\W_]+")
UNVARIED_CHOICES = (0.6, 0.7, 0.8, 0.9, 1.0, 1.01)
"""Candidate UNVARIED_THRESHOLD values (1.01: copies link only where a reader's details vary)."""
CORPORA = REPO.parent / "shared" / "corpora"
VARIANT_JACCARD, VARIANT_CONTAINED = 0.4, 0.8
"""Unfilled public templates this alike are one text edited (`variant_groups`)."""
PUBLIC_COPIES, PUBLIC_DRAWS = 5, 12
"""Clean copies per public template, the first this-many of as many draws of the corpus filler."""
OPENER_FRAMES = (
    "Saw your post about {topic} - your point on {angle} really stuck with me.",
    "Congrats on the {round}! {amount} is a huge milestone for {company}.",
    "Loved your talk at {event} on {topic}. The bit about {angle} was spot on.",
    "Just listened to your episode of {podcast}; your take on {topic} was refreshing.",
    "Noticed {company} is hiring {count} {roles} right now - exciting times for the team.",
    "Your article in {publication} about {topic} was a great read, especially the part on {angle}.",
    "I came across {company}'s announcement about {launch} and had to reach out.",
    "Huge congrats on {milestone}, {first} - well deserved.",
    "Been following {company} since {launch}, and what your team did with {topic} is impressive.",
    "Your recent LinkedIn post on {topic} got me thinking about {angle}.",
    "Saw that you stepped into the {title} role at {company} - congrats on the move!",
    "Really enjoyed your comments on {topic} in {publication} last week.",
    "{first}, I watched your webinar on {topic} and took notes on {angle}.",
    "Spotted {company} on {publication}'s list of {list} - well earned.",
    "Read your thread on {topic}; the example about {angle} made it click for me.",
    "Fellow {city} person here - loved seeing {company} featured at {event}.",
)
"""AI-personalised openers: one per recipient, written for them, put before the shared pitch."""
OPENER_FOLLOW_UPS = (
    "", "", "", "It made me think of {company} right away.", "Curious how that is playing out for {company}.",
    "Rare to see someone say it that plainly.", "Clearly {company} is doing something right.",
)
OPENER_VALUES = {
    "topic": ("pricing experiments", "remote onboarding", "churn", "product-led growth", "AI in support",
              "hiring your first AE", "SOC 2 prep", "warehouse automation", "pipeline hygiene", "moving upmarket",
              "developer experience", "usage-based billing", "community-led growth", "data contracts"),
    "angle": ("measuring what matters", "the first 90 days", "saying no to features", "founder-led sales",
              "the cost of context switching", "pricing as a product", "customer interviews", "async culture",
              "small teams shipping fast", "the hidden cost of churn"),
    "round": ("Series A", "Series B", "seed round", "Series C", "latest round"),
    "amount": ("$12M", "$30M", "$4.5M", "$75M", "$8M", "$18M"),
    "event": ("SaaStr", "Web Summit", "Collision", "re:Invent", "the Pavilion summit", "INBOUND", "PyCon",
              "KubeCon", "the DevRel meetup"),
    "podcast": ("the SaaS Podcast", "Growth Unhinged", "20VC", "Software Engineering Daily", "Lenny's Podcast"),
    "count": ("three", "five", "a dozen", "two", "four"),
    "roles": ("SDRs", "engineers", "account executives", "data scientists", "support leads", "designers"),
    "publication": ("TechCrunch", "Forbes", "the Hustle", "Fast Company", "Business Insider", "the Information"),
    "launch": ("the new API", "the mobile app launch", "your EU expansion", "the rebrand", "the free tier",
               "the partner programme"),
    "milestone": ("crossing 10,000 customers", "the acquisition", "your fifth anniversary", "the IPO filing",
                  "hitting profitability", "the new office opening"),
    "list": ("fastest-growing startups", "best places to work", "companies to watch", "top 50 SaaS brands"),
}
_GREETING = re.compile(r"\A\s*(?:(?:hi|hey|hello|dear|greetings|good (?:morning|afternoon))\b[^,\n!:]{0,40}(?:[,!:-]|(?=\n))"
                       r"|[A-Z][\w'-]{1,20}[,!])[ \t]*(?:\n|(?=\S))", re.IGNORECASE)
"""A greeting opening the message, on its own line or followed by text on its line."""


def _contract(record: dict) -> dict:
    return {k: record[k] for k in CONTRACT_KEYS if k in record}


def _fingerprints(records: list[dict], registry) -> list:
    out = []
    for record in records:
        try:
            out.append(fingerprint(*prepare(_contract(record), registry)))
        except (InvalidMessage, UndecodableMessage):
            out.append(None)
    return out


def _swap_synonyms(text: str) -> str:
    def swap(m: re.Match) -> str:
        word = m.group()
        new = SYNONYMS.get(word.lower())
        if new is None:
            return word
        return new.capitalize() if word[0].isupper() else new

    return _WORD.sub(swap, text)


def _reorder(text: str, rng: random.Random) -> str:
    parts = [p for p in _SENTENCE.split(text) if p.strip()]
    rng.shuffle(parts)
    return " ".join(parts)


def template_links(copies: list[dict], fps: list, threshold: float | None = None,
                   key: str = "template_id") -> tuple[list, float, int]:
    """Each copy's campaign, the share linked to their own template's campaign only, and the
    number of campaigns spanning templates (`key`: what counts as one template)."""
    campaigns, _ = link_all(fps, threshold)
    members = defaultdict(set)
    for r, c in zip(copies, campaigns, strict=True):
        if c is not None:
            members[c.id].add(r[key])
    linked = sum(c is not None and members[c.id] == {r[key]} for r, c in zip(copies, campaigns, strict=True))
    return campaigns, linked / len(copies), sum(len(m) > 1 for m in members.values())


def templates_eval(copies: list[dict], fps: list) -> dict:
    """How well template copies link to their own template's campaign and to no other (parts 1 and 4),
    with the similarity margin between same-template and cross-template copies."""
    campaigns, linked, spanning = template_links(copies, fps)
    per_template = defaultdict(set)
    for r, c in zip(copies, campaigns, strict=True):
        per_template[r["template_id"]].add(c.id if c else None)
    printed = [i for i, fp in enumerate(fps) if fp is not None]
    sigs = np.array([fps[i].signature for i in printed])
    tids = np.array([copies[i]["template_id"] for i in printed])
    best_same, best_cross = [], 0.0
    for i in range(len(printed)):
        sims = (sigs == sigs[i]).mean(axis=1)
        same = (tids == tids[i])
        same[i] = False
        if same.any():
            best_same.append(sims[same].max())
        best_cross = max(best_cross, sims[~(tids == tids[i])].max())
    return {
        "templates": len(per_template), "copies": len(copies),
        "linked_to_own_campaign": round(linked, 4),
        "campaigns_spanning_templates": spanning,
        "templates_in_exactly_one_campaign": round(
            sum(len(s) == 1 and None not in s for s in per_template.values()) / len(per_template), 4),
        "best_same_template_similarity_p1": round(float(np.percentile(best_same, 1)), 3),
        "best_same_template_similarity_min": round(float(min(best_same)), 3),
        "highest_cross_template_similarity": round(float(best_cross), 3),
        "link_threshold": LINK_THRESHOLD,
        "unvaried_threshold": UNVARIED_THRESHOLD,
    }


def _prepared(records: list[dict], registry) -> list[tuple | None]:
    out = []
    for record in records:
        try:
            out.append(prepare(_contract(record), registry))
        except (InvalidMessage, UndecodableMessage):
            out.append(None)
    return out


def link_all(fps: list, threshold: float | None = None) -> tuple[list, dict[str, list[int]]]:
    """Every fingerprint linked in one fresh in-memory index: campaigns, and members per campaign."""
    index = MemoryCampaignStore()
    if threshold is not None:
        index.unvaried_threshold = threshold
    campaigns = index.link(fps)
    groups = defaultdict(list)
    for i, c in enumerate(campaigns):
        if c is not None:
            groups[c.id].append(i)
    return campaigns, groups


def same_text(a: list[str], b: list[str]) -> bool:
    """One message's words are the other's with words only added (a greeting, "fw:", a note on top
    of a pasted copy, a Lotus "please respond to"): the same text twice, not two texts alike.
    Any changed word (a date, a name, a figure) makes them two messages."""
    ops = {op for op, *_ in SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op != "equal"}
    return ops <= {"insert"} or ops <= {"delete"}


def linked_share(fps: list, threshold: float | None = None) -> dict:
    """Messages linked to another when only these are indexed (any link counts)."""
    linked = sum(len(m) for m in link_all(fps, threshold)[1].values())
    return {"personal_messages": len(fps), "linked_messages": linked, "linked_share": round(linked / len(fps), 5)}


def false_merges(corpus: Path, registry, copies: list[dict], copy_fps: list) -> dict:
    """Part 2: personal messages of the corpus linked to one another that are not the same text, and the choice
    of UNVARIED_THRESHOLD made on train+val only."""
    from training.dataset import read_table, to_record

    frame = read_table(corpus)
    rows = frame[frame["label"] == "personal"].to_dict("records")
    pairs = _prepared([to_record(r) for r in rows], registry)
    fps = [fingerprint(*p) if p is not None else None for p in pairs]
    campaigns, groups = link_all(fps)
    words = {i: _TOKEN.findall(pairs[i][0].text.lower()) for g in groups.values() for i in g}
    duplicates, merged, one_reader, scored = [], [], 0, 0
    for members in groups.values():
        for i in members:
            partners = [j for j in members if j != i]
            if all(same_text(words[i], words[j]) for j in partners):
                duplicates.append(i)
                continue
            merged.append(i)
            readers = {fps[j].recipient for j in partners}
            one_reader += fps[i].recipient is not None and readers == {fps[i].recipient}
            scored += campaign_hit(pairs[i][0], fps[i], campaigns[i]).strength > 0
    tuning = [fps[i] for i, r in enumerate(rows) if r["split"] in ("train", "val")]
    choice = {}
    for t in UNVARIED_CHOICES:
        _, templates, spanning = template_links(copies, copy_fps, t)
        choice[str(t)] = {**linked_share(tuning, t), "templates_linked_to_own_campaign": round(templates, 4),
                          "campaigns_spanning_templates": spanning}
    return {
        "personal_messages": len(rows),
        "fingerprinted": sum(fp is not None for fp in fps),
        "linked_messages": len(duplicates) + len(merged),
        "same_text_links": len(duplicates),
        "false_merges": len(merged),
        "false_merge_share": round(len(merged) / len(rows), 5),
        "false_merges_to_one_reader": one_reader,
        "false_merges_across_readers": len(merged) - one_reader,
        "false_merges_scored": scored,
        "false_merges_by_split": dict(Counter(rows[i]["split"] for i in merged)),
        "false_merges_by_source": dict(Counter(rows[i]["source"] for i in merged)),
        "campaigns": len(groups),
        "largest_campaigns": sorted((len(m) for m in groups.values()), reverse=True)[:10],
        "test_split_alone": linked_share([fps[i] for i, r in enumerate(rows) if r["split"] == "test"]),
        "unvaried_threshold": UNVARIED_THRESHOLD,
        "unvaried_threshold_choice_on_train_val": choice,
    }


def paraphrase_probe(copies: list[dict], registry, seed: int = 13) -> dict:
    """Part 3: share of reworded template copies (synonym swaps, sentence reorder, both) that still find their
    own template's campaign."""
    rng = random.Random(seed)
    by_template = defaultdict(list)
    for r in copies:
        by_template[r["template_id"]].append(r)
    variants = {"unchanged": lambda t: t, "synonym swaps": _swap_synonyms,
                "sentence reorder": lambda t: _reorder(t, rng), "both": lambda t: _reorder(_swap_synonyms(t), rng)}
    recall = {}
    groups = [g for g in by_template.values() if len(g) >= 2]
    for name, change in variants.items():
        index = MemoryCampaignStore()
        found = 0
        for group in groups:
            known = _fingerprints(group[:-1], registry)
            index.prefill(known)
            own = {c.id for c in index.link(known) if c is not None} or {None}
            probe = dict(group[-1], id=group[-1]["id"] + "-probe", body=change(group[-1]["body"]))
            fp = _fingerprints([probe], registry)[0]
            hit = index.lookup(fp) if fp is not None else None
            found += hit is not None and hit.id in own
        recall[name] = round(found / len(groups), 4)
    return {"templates": len(groups), "recall": recall}


def template_shingles(body: str) -> set[tuple[str, ...]]:
    """3-word shingles of an unfilled template, each placeholder one word `x`."""
    from training.public_outreach import _CONTROL, _SPINTAX

    text = _SPINTAX.sub("x", _CONTROL.sub(" ", body))
    text = re.sub(r"\{\{.*?\}\}|\{[^{}\n]{1,60}\}|\[[^\[\]\n]{1,60}\]|%[\w.]+%|<[^<>\n]{1,40}>", " x ", text)
    words = tuple(_TOKEN.findall(text.lower()))
    return {words[i : i + 3] for i in range(max(1, len(words) - 2))}


def variant_groups(templates: list[dict]) -> dict[str, str]:
    """template id -> its variant group: templates whose unfilled texts share VARIANT_JACCARD of
    their shingles, or one of which holds VARIANT_CONTAINED of the other's (a shorter version), are
    one text edited (the data card: near-duplicates below its 0.8 cut survive), grouped transitively."""
    shingles = {t["id"]: template_shingles(t["body"]) for t in templates}
    parent = {tid: tid for tid in shingles}

    def root(tid: str) -> str:
        while parent[tid] != tid:
            parent[tid] = parent[parent[tid]]
            tid = parent[tid]
        return tid

    ids = sorted(shingles)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            shared = len(shingles[a] & shingles[b])
            if not shared:
                continue
            smaller = min(len(shingles[a]), len(shingles[b]))
            if shared / len(shingles[a] | shingles[b]) >= VARIANT_JACCARD or shared / smaller >= VARIANT_CONTAINED:
                parent[root(a)] = root(b)
    return {tid: root(tid) for tid in ids}


def public_copies(corpora: Path) -> list[dict]:
    """PUBLIC_COPIES clean copies of every public template, each to a new reader, as the corpus
    builder fills them (copy i is the same in the corpus build), with their variant group; []
    without the corpora."""
    from training.public_outreach import OUTREACH_FILE, read_public_outreach
    from training.sources import Skips, _records

    if not (corpora / OUTREACH_FILE).is_file():
        return []
    templates = [data for _, data in _records(corpora / OUTREACH_FILE, "public_outreach", ("id", "body"), Skips())]
    groups = variant_groups(templates)
    files = {t["id"]: f"{t.get('repo')}/{t.get('path')}" for t in templates}
    copies, kept = [], Counter()
    for record in read_public_outreach(corpora, Skips(), seed=13, copies=PUBLIC_DRAWS):
        if record["merge_failure"] is None and kept[record["template_id"]] < PUBLIC_COPIES:
            kept[record["template_id"]] += 1
            copies.append(dict(record, variant=groups[record["template_id"]], file=files[record["template_id"]]))
    return copies


def opener(record: dict, frame: str, rng: random.Random) -> str:
    """One model-written-looking opening line for this copy's reader."""
    reader = record.get("recipient") or {}
    values = {k: rng.choice(v) for k, v in OPENER_VALUES.items()}
    values |= {"company": reader.get("company") or "your team", "first": reader.get("first_name") or "there",
               "title": reader.get("title") or "new", "city": reader.get("location") or "Austin"}
    line = frame.format(**values)
    follow = rng.choice(OPENER_FOLLOW_UPS).format(**values)
    return f"{line} {follow}" if follow else line


def with_openers(copies: list[dict], seed: int = 13) -> list[dict]:
    """The copies with a personalised opener each after the greeting (or first), as its own
    paragraph or leading the pitch's first one; copies of one template never share a frame."""
    frames: dict[str, list[str]] = {}
    out = []
    for record in copies:
        rng = random.Random(f"{seed}:opener:{record['id']}")
        tid = record["template_id"]
        if tid not in frames:
            frames[tid] = random.Random(f"{seed}:frames:{tid}").sample(OPENER_FRAMES, len(OPENER_FRAMES))
        line = opener(record, frames[tid].pop(), rng)
        body = record["body"]
        greeting = _GREETING.match(body)
        head, rest = (greeting.group(), body[greeting.end():]) if greeting else ("", body)
        joint = "\n\n" if rng.random() < 0.5 else " "
        if head.endswith("\n"):
            head += "\n"
        elif head:
            head = head.rstrip() + " "
        out.append(dict(record, body=f"{head}{line}{joint}{rest.lstrip()}"))
    return out


def public_eval(copies: list[dict], registry) -> dict:
    """As `templates_eval`, plus the same counted by variant group, and among fingerprinted copies;
    and, of the campaigns spanning variant groups, those joining templates of different source files
    (`campaigns_spanning_files`: one file's templates are often steps or A/B versions of one sequence,
    which a link between them does not wrongly join; the variant-group count stays the headline)."""
    fps = _fingerprints(copies, registry)
    campaigns, linked, spanning = template_links(copies, fps, key="variant")
    printed = sum(fp is not None for fp in fps)
    files = defaultdict(set)
    for r, c in zip(copies, campaigns, strict=True):
        if c is not None:
            files[c.id].add((r["variant"], r["file"]))
    across_files = sum(len({v for v, _ in m}) > 1 and len({f for _, f in m}) > 1 for m in files.values())
    return {**templates_eval(copies, fps), "not_fingerprinted": len(fps) - printed,
            "variant_groups": len({r["variant"] for r in copies}),
            "variants_linked_to_own_campaign": round(linked, 4),
            "variants_linked_to_own_campaign_of_fingerprinted": round(linked * len(fps) / printed, 4),
            "campaigns_spanning_variant_groups": spanning,
            "campaigns_spanning_files": across_files}


def _flatten(value, prefix: str = "") -> list[tuple[str, object]]:
    if isinstance(value, dict):
        return [pair for key, item in value.items() for pair in _flatten(item, f"{prefix}.{key}" if prefix else key)]
    return [(prefix, value)]


def _find_corpus(given: Path | None, work: Path) -> Path | None:
    if given:
        return given
    if os.environ.get("SINCERE_BENCH_CORPUS"):
        return Path(os.environ["SINCERE_BENCH_CORPUS"])
    if not CORPORA.is_dir():
        return None
    from training.corpus import build_corpus, project_extras

    out = work / "corpus.parquet"
    build_corpus(CORPORA, out, seed=13,
                 extra_records=project_extras(REPO / "data/templates", REPO / "data/personal", 13))
    return out


def main() -> None:
    """Run the parts the available data allows and write the fragment; a part without its data is noted as not
    measured."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--corpus", type=Path)
    args = parser.parse_args()
    from training.templates import render_smile

    registry = default_registry()
    copies = [r for r in render_smile(REPO / "data/templates", seed=13, copies_per_template=5)
              if r["merge_failure"] is None]
    copy_fps = _fingerprints(copies, registry)
    metrics = {"templates": templates_eval(copies, copy_fps)}
    print(json.dumps(metrics["templates"]), flush=True)
    metrics["paraphrase"] = paraphrase_probe(copies, registry)
    print(json.dumps(metrics["paraphrase"]), flush=True)
    public = public_copies(CORPORA)
    if public:
        metrics["public_templates"] = {"clean": public_eval(public, registry),
                                       "personalised_openers": public_eval(with_openers(public), registry)}
        print(json.dumps(metrics["public_templates"]), flush=True)
    work = Path(os.environ.get("SINCERE_BENCH_WORK") or tempfile.mkdtemp(prefix="campaign-eval-"))
    corpus = _find_corpus(args.corpus, work)
    notes = [f"Copies whose readers' details vary link at {LINK_THRESHOLD}; copies where none varies (no identity "
             f"slot masked, or one reader) at UNVARIED_THRESHOLD = {UNVARIED_THRESHOLD}, chosen on the corpus's "
             "train+val personal messages and the template library only (second table; 1.01 = never), never on test."]
    tables = []
    if public:
        notes.append("public_templates: the 589 templates of text/public_outreach.jsonl.gz, 5 clean copies each from "
                     "the corpus builder's filler; personalised_openers: the same copies with one AI-style opener per "
                     "recipient (OPENER_FRAMES, no two alike within a template) above the shared pitch. Some public "
                     f"templates are edits of one text (the data card), so variant_*: templates whose unfilled texts "
                     f"share {VARIANT_JACCARD:.0%} of their 3-word shingles, or one holding {VARIANT_CONTAINED:.0%} of "
                     "the other's, count as one; not_fingerprinted: too short to fingerprint (MIN_TOKENS, MIN_WORDS).")
    else:
        notes.append("Public templates: ../shared/corpora/text/public_outreach.jsonl.gz absent; not measured.")
    if corpus is None:
        notes.append("False merges: no corpus (../shared/corpora absent); not measured.")
    else:
        merges = metrics["false_merges"] = false_merges(corpus, registry, copies, copy_fps)
        print(json.dumps(merges), flush=True)
        notes += [
            "False merge: a personal message linked to another personal message that is not the same text. Same "
            "text (counted apart as same_text_links): one message's words are the other's with words only added "
            "(a forward's or reply's prefix, a greeting, a note above a pasted copy); any changed word (a date, a "
            "name, a figure) makes two messages, and their link a false merge.",
            "false_merges_to_one_reader: every message it is linked to went to the same recipient (mailbox); "
            "false_merges_scored: the CAMPAIGN_COPY reason would weigh on the score (strength > 0).",
        ]
        tables.append({"caption": "UNVARIED_THRESHOLD candidates, train+val split only",
                       "columns": ["threshold", "train+val personal", "linked", "linked share",
                                   "templates linked to own campaign", "campaigns spanning templates"],
                       "rows": [[float(t), *v.values()]
                                for t, v in merges["unvaried_threshold_choice_on_train_val"].items()]})
    figures = [[k, v] for k, v in _flatten(metrics) if ".unvaried_threshold_choice_on_train_val." not in k]
    fragment = {"benchmark": "campaign_eval", "title": "Campaign linking: templates, false merges, paraphrases",
                "data": "the template library and the 589 public third-party templates (5 recipients each, clean fills; "
                        "the public ones also with a personalised opener per recipient) and the corpus's personal "
                        "messages",
                "tables": [{"caption": "", "columns": ["figure", "value"], "rows": figures}, *tables],
                "notes": notes, "metrics": metrics}
    write_fragment(fragment, args.out)


if __name__ == "__main__":
    main()
