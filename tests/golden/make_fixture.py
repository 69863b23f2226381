"""Write the golden fixture: what the engine says about a fixed set of corpus messages.

The set (about 2,100 records) is drawn deterministically from `../shared/corpora`: Enron-Spam and
SMS bodies (also re-labelled as LinkedIn and video transcripts), SpamAssassin raw mail, the FOIA
emails, every public outreach template filled for two recipients (so campaigns link), the shipped
samples, and voicemails from the speech corpora (one clip sent to two recipients). Records are
scored in one `score_many` pass with one campaign index, as `sincere score` does.

The fixture keeps no message text: for each record its score, verdict, reason codes with weights and
evidence offsets, personalisation, campaign fields, voice figures and a sha256 of the transcript.
Run it from the repository root before a behaviour-preserving change; tests/test_golden.py checks
the engine against it afterwards.

    python -m tests.golden.make_fixture            # writes tests/golden/expected.jsonl.gz
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
CORPORA = Path(os.environ.get("SINCERE_CORPORA") or REPO.parent / "shared" / "corpora")
FIXTURE = Path(__file__).with_name("expected.jsonl.gz")
SCORE_DIGITS = 6
VOICE_DIGITS = 3
"""Voice probabilities come out of Whisper's encoder (CTranslate2); rounded coarser than text scores."""

RECIPIENTS = [
    {"name": "Dana Whitfield", "first_name": "Dana", "last_name": "Whitfield", "company": "Northwind Traders",
     "title": "Head of Operations", "email": "dana@northwind.example", "location": "Leeds"},
    {"name": "Priya Raman", "first_name": "Priya", "last_name": "Raman", "company": "Globex",
     "title": "VP Engineering", "email": "priya.raman@globex.example", "location": "Austin"},
    {"name": "Tomás Ortega", "first_name": "Tomás", "last_name": "Ortega", "company": "Initech",
     "title": "Founder", "email": "tomas@initech.example", "location": "Madrid"},
]
_PLACEHOLDER = re.compile(r"\[\[?([^\]\n]{1,40})\]\]?|\{\{\s*([^}\n]{1,40})\s*\}\}|<<([^>\n]{1,40})>>")


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _read(name: str) -> list[dict[str, Any]]:
    with gzip.open(CORPORA / "text" / name, "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _pick(rows: list[dict[str, Any]], n: int, salt: str) -> list[dict[str, Any]]:
    """The same n rows on every machine: ordered by a salted hash of their id."""
    return sorted(rows, key=lambda r: _key(salt + str(r["id"])))[:n]


def _fill(template: str, recipient: dict[str, str]) -> str:
    """Placeholders naming the reader get the reader's details; the rest are left as written."""
    def value(match: re.Match) -> str:
        name = next(g for g in match.groups() if g is not None).lower()
        if "first" in name:
            return recipient["first_name"]
        if "last" in name:
            return recipient["last_name"]
        if "company" in name or "organi" in name:
            return recipient["company"]
        if "name" in name and "your" not in name and "sender" not in name:
            return recipient["name"]
        return match.group()
    return _PLACEHOLDER.sub(value, template)


def text_records() -> Iterator[dict[str, Any]]:
    enron = _pick([r for r in _read("enron_spam.jsonl.gz") if r.get("body")], 650, "enron")
    for i, row in enumerate(enron):
        channel = "video_transcript" if i >= 600 else "email"
        record = {"id": f"enron:{row['id']}", "channel": channel, "subject": row.get("subject") or "",
                  "body": row["body"]}
        if i % 3 == 0:
            record["recipient"] = RECIPIENTS[i % len(RECIPIENTS)]
        if i % 25 == 0:
            record["thread"] = [{"from_recipient": True, "body": "Thanks, talk soon."}]
        yield record
    for row in _pick(_read("spamassassin.jsonl.gz"), 400, "spamassassin"):
        yield {"id": f"sa:{row['id']}", "channel": "email", "raw": row["raw"]}
    sms = _pick(_read("sms_spam.jsonl.gz"), 450, "sms")
    for i, row in enumerate(sms):
        channel = "linkedin" if i >= 350 else "sms"
        record = {"id": f"sms:{row['id']}", "channel": channel, "body": row["body"]}
        if i % 4 == 0:
            record["recipient"] = RECIPIENTS[i % len(RECIPIENTS)]
        yield record
    for row in _pick(_read("public_personal.jsonl.gz"), 200, "personal"):
        yield {"id": f"personal:{row['id']}", "channel": "email", "subject": row.get("subject") or "",
               "body": row["body"], "recipient": RECIPIENTS[0]}
    for row in sorted(_read("public_outreach.jsonl.gz"), key=lambda r: r["id"]):
        for copy, recipient in enumerate(RECIPIENTS[:2]):
            yield {"id": f"outreach:{row['id']}:{copy}", "channel": row["channel"],
                   "subject": _fill(row.get("subject") or "", recipient), "body": _fill(row["body"], recipient),
                   "recipient": recipient}
    for line in (REPO / "data/samples/messages.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        yield dict(record, id=f"sample:{record['id']}")


def voicemail_records() -> list[dict[str, Any]]:
    audio = CORPORA / "audio"
    clips = sorted((audio / "human_speech" / "librispeech_test_other").glob("*.flac"))[:3]
    clips += sorted((audio / "human_speech" / "osr_8k").glob("*.wav"))[:2]
    clips += sorted((audio / "fsdd").glob("*.wav"))[:1]
    records = [{"id": f"voicemail:{p.name}", "channel": "voicemail", "audio_path": str(p), "recipient": RECIPIENTS[i % 3]}
               for i, p in enumerate(clips)]
    drop = sorted((audio / "ljspeech_samples").glob("*.wav"))[0]
    records += [{"id": f"voicemail:{drop.name}:{i}", "channel": "voicemail", "audio_path": str(drop),
                 "recipient": recipient} for i, recipient in enumerate(RECIPIENTS)]
    return records


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the golden test compares: every decision-bearing field, no message text."""
    campaign = result.get("campaign")
    voice = result.get("voice")
    personalization = result.get("personalization") or {}
    return {
        "id": result["id"],
        "score": None if result.get("score") is None else round(result["score"], SCORE_DIGITS),
        "verdict": result["verdict"],
        "reasons": [[r["code"], round(r["weight"], SCORE_DIGITS), [[e["start"], e["end"]] for e in r["evidence"]]]
                    for r in result.get("reasons") or []],
        "personalization": {"depth": personalization.get("depth"),
                            "slots": [[s["type"], s["start"], s["end"]] for s in personalization.get("slots") or []]},
        "campaign": None if campaign is None else {k: v for k, v in campaign.items() if k != "id"},
        "voice": None if voice is None else {
            "synthetic": None if voice.get("synthetic") is None else round(voice["synthetic"], VOICE_DIGITS),
            "transcript_sha256": None if voice.get("transcript") is None else _key(voice["transcript"])},
        "error": result.get("error"),
    }


def golden_records(with_voicemails: bool) -> list[dict[str, Any]]:
    records = list(text_records())
    return records + voicemail_records() if with_voicemails else records


def score(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from detector.engine import Detector
    from detector.models.bundle import default_bundle_path

    return [summary(r) for r in Detector.open(default_bundle_path()).score_many(records)]


def main() -> int:
    if not CORPORA.is_dir():
        print(f"needs the corpora at {CORPORA}", file=sys.stderr)
        return 2
    summaries = score(golden_records(with_voicemails=True))
    with gzip.open(FIXTURE, "wt", encoding="utf-8") as fh:
        for row in summaries:
            fh.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{len(summaries)} results -> {FIXTURE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
