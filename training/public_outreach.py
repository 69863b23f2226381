"""Third-party outreach templates (`text/public_outreach.jsonl.gz`) filled by the project's own filler,
and the genuine FOIA e-mails (`text/public_personal.jsonl.gz`) as personal hard negatives.

Each template keeps its author's placeholders (`[First Name]`, `{{ticket.requester.first_name}}`,
`{recipient's name}`, `MEETUP_NAME` ...); `slot_of` reads what a placeholder asks for from its
words, and `render_public` fills every copy for a new recipient and sender drawn from the template
library's fill lists (training.templates), with the library's merge failures at low rates: the
failed copy keeps the author's own tag raw, greets with a fallback, mis-cases the name, and so on.
Rendering is deterministic (seeded by template id). Records carry their repository (`repo`) and
the split the data card proposes (`public_outreach_stats.json`: repository-disjoint, related
repositories grouped), so no repository is ever in two splits.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from detector.contract import CHANNELS
from training import templates
from training.sources import CorpusError, Skips, _records, record

DEFAULT_TEMPLATES = Path(__file__).resolve().parent.parent / "data" / "templates"
OUTREACH_FILE = Path("text/public_outreach.jsonl.gz")
PERSONAL_FILE = Path("text/public_personal.jsonl.gz")
STATS_FILE = Path("text/public_outreach_stats.json")
OUTREACH_SOURCE = "public_outreach"
PERSONAL_SOURCE = "public_personal"
COPIES = 5
"""Filled copies per public template, each to a different recipient."""
FAILURE_RATES = dict(templates.MERGE_FAILURE_RATES)
"""The template library's merge-failure shares, drawn per copy here (the public templates vary
too much in what they can fail at for exact library-wide placement)."""
SPLIT_NAMES = {"train": "train", "validation": "val", "test": "test"}
REPO_GROUPS = {
    "gitlab-handbook": ("spicysoft/jp-www-gitlab-com", "sshumaker/fhl"),
    "ropensci-review": ("ropensci/dev_guide", "pyOpenSci/software-peer-review",
                        "benmarwick/onboarding-reproducible-compendia", "alan-turing-institute/environmental-ds-book",
                        "openjournals/joss"),
    "django-girls": ("DjangoGirls/djangogirls", "DjangoGirls/wiki"),
    "pyladies": ("PyLadiesBerlin/resources", "pyladies/pyladies"),
    "hackathon-guides": ("MLH/mlh-hackathon-organizer-guide", "asong4211/Hackathon_Sponsorship",
                         "hackclub/application-viewer"),
    "bootcamp-careers": ("bgoonz/webdevbook", "turingschool/career-development-curriculum-site"),
}
"""Related repositories (copies and derivatives of one source), held out together (PUBLIC_OUTREACH.md)."""
_GROUP_OF = {repo: group for group, repos in REPO_GROUPS.items() for repo in repos}

_CONTROL = re.compile(r"\{%-?\s*(?P<tag>\w+)[^%]*%\}")
_SPINTAX = re.compile(r"\{([^{}|\n]{1,60}(?:\|[^{}|\n]{0,60})+)\}")
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SENDER_WORDS = frozenset("your my sender current bdr sdr rep signature inbox me from organizer organiser".split())
_RULES = (
    ("email", ("email", "mail")),
    ("phone", ("phone", "mobile", "tel")),
    ("url", ("url", "link", "linkedin", "host", "domain", "website", "site", "repo", "scheme", "calendly", "calendar",
             "preview", "report", "form", "portfolio", "github", "page", "ticket", "upload")),
    ("date", ("date", "day", "deadline", "time", "year", "month", "week", "opens", "closes", "starts", "close",
              "open", "start", "period", "season")),
    ("metric", ("metric", "percent", "amount", "price", "budget", "revenue", "x", "count", "stat", "result",
                "number")),
    ("last_name", ("last", "surname", "lname")),
    ("title", ("title", "role", "position", "job", "function")),
    ("city", ("city", "location", "place", "venue", "town", "country", "region", "area")),
    ("school", ("school", "university", "college", "alma", "program", "course")),
    ("industry", ("industry", "sector", "niche", "market", "vertical", "field")),
    ("company", ("company", "business", "org", "organization", "organisation", "brand", "community", "team", "agency",
                 "firm", "startup", "employer", "client", "store", "shop", "publication", "blog", "podcast", "meetup",
                 "conference", "event", "project", "journal")),
    ("product", ("product", "service", "tool", "package", "solution", "software", "app", "platform", "offer", "feature")),
    ("recent_post", ("post", "article", "content", "insight", "icebreaker", "topic", "talk", "work", "observation",
                     "compliment", "achievement", "news", "announcement", "paper", "book", "video", "episode")),
    ("first_name", ("name", "first", "fname", "firstname", "recipient", "prospect", "contact", "requester", "lead",
                    "person", "dm", "investor", "editor", "author", "influencer", "applicant", "reviewer", "speaker",
                    "sponsor", "customer", "user", "hiring", "manager", "recruiter", "founder", "candidate",
                    "friend", "pylady", "mentor", "owner")),
)
"""Placeholder words -> what it asks for, first matching rule wins; the rest are `detail`."""
_NAME_WORDS = frozenset(("name", "first", "fname", "firstname"))
_DETAILS = (
    "the onboarding flow", "last quarter's launch", "the pricing page", "the hiring push", "the new mobile app",
    "the migration to the cloud", "the Q3 roadmap", "your customer stories", "the community forum", "the spring release",
    "the partner programme", "the support backlog", "the data pipeline", "the rebrand", "the expansion into Europe",
    "the open-source SDK", "the holiday campaign", "the checkout redesign", "the internal tooling", "the API docs",
)
_DATES = ("March 14", "next Thursday", "April 2", "the 21st", "Friday", "June 9", "2025", "October", "May 30")
_METRICS = ("37%", "2.4x", "$12k", "18", "40%", "3x", "120", "25%")


def slot_of(placeholder: str) -> tuple[str, bool]:
    """(what the placeholder asks for, whether it is the sender's own) from its words."""
    inner = re.sub(r"^[\[{<%$*|#!(\s]+|[\]}>%*|)\s]+$", "", placeholder).split("|")[0]
    words = [w.lower() for w in _WORDS.findall(inner.replace("_", " ").replace(".", " "))]
    sender = bool(_SENDER_WORDS & set(words)) and "recipient" not in words and "prospect" not in words
    if _NAME_WORDS & set(words):  # "[Company Name]" names a company, "{{ticket.requester.first_name}}" a person
        named = next((slot for slot, keys in _RULES[5:] if slot != "first_name" and set(keys) & set(words)), None)
        return ("last_name" if named == "last_name" else "company" if named else
                "full_name" if "full" in words and not sender else "first_name"), sender
    for slot, keys in _RULES:
        if any(w in keys for w in words):
            return slot, sender
    return "detail", sender


def _value(slot: str, sender: bool, values: dict[str, str], rng: random.Random) -> str:
    if sender:
        if slot in ("first_name", "last_name", "detail"):
            return values["sender_name"] if slot != "first_name" or rng.random() < 0.5 else values["sender_first_name"]
        if slot == "company":
            return values["sender_company"]
        if slot == "title":
            return values["sender_title"]
        if slot == "email":
            return templates._email(*values["sender_name"].split()[:2], templates.website_for(values["sender_company"]))
    if slot == "email":
        return templates._email(values["first_name"], values["last_name"], values["website"])
    if slot == "phone":
        return f"({rng.randint(201, 989)}) {rng.randint(200, 999)}-{rng.randint(1000, 9999)}"
    if slot == "url":
        return f"https://{values['website']}/{rng.choice(('', 'about', 'blog', 'demo', 'events'))}".rstrip("/")
    if slot == "date":
        return rng.choice(_DATES)
    if slot == "metric":
        return rng.choice(_METRICS)
    if slot == "detail":
        return rng.choice(_DETAILS)
    return values[slot]


def _failure(template: dict[str, Any], slots: dict[str, tuple[str, bool]], rng: random.Random) -> str | None:
    """One of the library's merge failures at its rate, if this template can show it."""
    recipient = {s for s, sender in slots.values() if not sender}
    eligible = {"unfilled_tag": bool(recipient & {"first_name", "company", "title", "city", "industry"}),
                "unexpanded_spintax": bool(_SPINTAX.search(template["body"])),
                "fallback_greeting": "first_name" in recipient, "case_glitch": "first_name" in recipient,
                "full_name_as_first": "first_name" in recipient, "legal_suffix": "company" in recipient}
    draw, edge = rng.random(), 0.0
    for failure, rate in FAILURE_RATES.items():
        edge += rate
        if draw < edge:
            return failure if eligible[failure] else None
    return None


def _fill(text: str, slots: dict[str, tuple[str, bool]], values: dict[str, str], raw: set[str],
          keep_spintax: bool, rng: random.Random) -> str:
    text = _CONTROL.sub(lambda m: "" if m.group("tag") != "url" else f"https://{values['website']}/apply", text)
    for placeholder in sorted(slots, key=len, reverse=True):
        if placeholder in raw:
            continue
        slot, sender = slots[placeholder]
        text = text.replace(placeholder, _value(slot, sender, values, rng))
    if not keep_spintax:
        text = _SPINTAX.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    return text


def _copy(template: dict[str, Any], copy: int, fills: dict[str, list[str]], seed: int) -> dict[str, Any]:
    rng = random.Random(f"{seed}:{template['id']}:{copy}")
    values = templates._draw_values(fills, rng)
    recipient, sender = templates._recipient(values), templates._sender(values, template["channel"], rng)
    slots = {p: slot_of(p) for p in template["placeholders"]}
    failure = _failure(template, slots, rng)
    raw: set[str] = set()
    if failure == "unfilled_tag":
        wanted = ("first_name", "company", "title", "city", "industry")
        order = sorted((p for p, (s, sender_side) in slots.items() if not sender_side and s in wanted),
                       key=lambda p: wanted.index(slots[p][0]))
        raw.add(order[0])
    elif failure == "fallback_greeting":
        values["first_name"] = rng.choice(("there", "Friend", "Valued Customer", ""))
    elif failure == "case_glitch":
        values["first_name"] = rng.choice((str.upper, str.lower))(values["first_name"])
    elif failure == "full_name_as_first":
        values["first_name"] = values["full_name"]
    elif failure == "legal_suffix":
        values["company"] = templates._legal_name(values["company"], rng, fills["legal_suffixes"])
    keep = failure == "unexpanded_spintax"
    body = _fill(template["body"], slots, values, raw, keep, rng)
    if template["channel"] in templates.VOICE_CHANNELS and rng.random() < templates.ASR_SHARE:
        body = templates.as_asr(body)
    out = {"id": f"public-{template['id']}-{copy:02d}", "channel": template["channel"], "body": body,
           "recipient": recipient, "sender": sender}
    if template["channel"] == "email" and template.get("subject"):
        out["subject"] = _fill(template["subject"], slots, values, raw, keep, rng)
    return out | {"merge_failure": failure}


def repo_group(repo: str) -> str:
    """The unit held out together: a repository, or its group of related repositories."""
    return _GROUP_OF.get(repo, repo)


def proposed_splits(corpora: Path) -> dict[str, str]:
    """repo -> train/val/test as the data card proposes (`public_outreach_stats.json`)."""
    path = corpora / STATS_FILE
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CorpusError(f"cannot read the proposed split in {path}: {exc}") from exc
    splits = {repo: SPLIT_NAMES[name] for name, repos in stats["splits"].items() for repo in repos}
    for group, repos in REPO_GROUPS.items():
        if len({splits.get(r) for r in repos if r in splits}) > 1:
            raise CorpusError(f"{path}: the related repositories of {group} are proposed for different splits")
    return splits


def read_public_outreach(corpora: Path, skips: Skips, seed: int = 13, copies: int = COPIES,
                         templates_dir: Path | None = None) -> Iterator[dict[str, Any]]:
    """`copies` filled copies of every public template, labelled smile, split by repository."""
    path = corpora / OUTREACH_FILE
    splits = proposed_splits(corpora)
    fills = templates.load_fills(templates_dir or DEFAULT_TEMPLATES)
    required = ("id", "repo", "family", "channel", "author", "body")
    for number, data in _records(path, OUTREACH_SOURCE, required, skips):
        if data["channel"] not in CHANNELS or not isinstance(data.get("placeholders"), list):
            skips.skip(OUTREACH_SOURCE, path, number, f"unknown channel {data['channel']!r} or no placeholder list")
            continue
        if data["repo"] not in splits:
            skips.skip(OUTREACH_SOURCE, path, number, f"repository {data['repo']} is in no proposed split")
            continue
        for i in range(copies):
            yield record(**_copy(data, i, fills, seed), label="smile", kind=data["family"], source=OUTREACH_SOURCE,
                         group=f"repo:{repo_group(data['repo'])}", licence=data.get("licence"), family=data["family"],
                         template_id=data["id"], repo=data["repo"], author=data["author"], split=splits[data["repo"]])


def read_public_personal(corpora: Path, skips: Skips) -> Iterator[dict[str, Any]]:
    """The FOIA e-mails: personal, one sender, so split per released document (there is no finer
    group). Messages of one document share its id (141 ids repeat): the line number tells them apart."""
    path = corpora / PERSONAL_FILE
    for number, data in _records(path, PERSONAL_SOURCE, ("id", "body"), skips):
        if not data["body"].strip():
            skips.empty_body[PERSONAL_SOURCE] += 1
            continue
        yield record(id=f"foia-{data['id']}-{number:04d}", channel="email", subject=data.get("subject"),
                     body=data["body"], label="personal", kind="foia_email", source=PERSONAL_SOURCE,
                     group=f"foia:{data['id']}", licence="US-government record (FOIA release)",
                     repo=data.get("repo"), author="human")
