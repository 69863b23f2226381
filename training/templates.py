"""The project's own outreach templates rendered into "smile" records, plus hand-written personal ones.

Both come out in the contract input shape with label columns added, so training scores
exactly what the detector scores. Rendering is deterministic: each template's fills come
from its own `random.Random` seeded with (seed, template id), and merge failures are placed
library-wide from (seed) so their documented rates hold exactly.
"""

from __future__ import annotations

import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from detector.contract import CHANNELS

LICENCE = "Apache-2.0 (written by the Sincere project)"
SMILE_SOURCE = "sincere-templates"
PERSONAL_SOURCE = "sincere-handwritten"
LIBRARY_REPO = "sincere/templates"
"""The library as a "repository" beside the public ones (repository-held-out evaluation)."""

SLOTS = frozenset({
    "first_name", "last_name", "full_name", "company", "title", "city", "school",
    "recent_post", "product", "mutual_connection", "industry", "website",
    "sender_first_name", "sender_name", "sender_company", "sender_title", "day",
})
RECIPIENT_SLOTS = ("first_name", "company", "last_name", "full_name", "title", "city", "school",
                   "recent_post", "product", "industry", "website", "mutual_connection")
"""Slots a CRM fills per recipient (so can fail to fill), in the order an unfilled tag prefers."""
VOICE_CHANNELS = ("video_transcript", "voicemail")

MERGE_FAILURE_RATES = {
    "unfilled_tag": 0.035,
    "unexpanded_spintax": 0.015,
    "fallback_greeting": 0.025,
    "case_glitch": 0.015,
    "full_name_as_first": 0.010,
    "legal_suffix": 0.020,
}
"""Share of ALL rendered copies with each failure (total 12 %); the rest are clean fills.

A template that cannot show a failure (no first name, no company, no spintax) is skipped
for it; the failure's copies are spread over the templates that can.
"""
ASR_SHARE = 0.7
"""Share of voice-channel copies rendered lower-case without punctuation, like ASR output."""
FREEMAIL_SHARE = 0.1
"""Share of smile emails sent from a free-mail address (founders, freelancers), so the sender's
domain alone does not give the label away."""

_SLOT_RE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_SLOT_MARK_RE = re.compile(r"\x00(\w+)\x00")
_GROUP_RE = re.compile(r"\{([^{}]*)\}")
_KEPT = "\x01"
_TLDS = (".com", ".com", ".com", ".io", ".co")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
_FALLBACK_GREETINGS = (
    ("Hi there,", "there"),
    ("Dear Valued Customer,", "Valued Customer"),
    ("Hi Friend,", "Friend"),
    ("Hello {company} team,", "{company} team"),
    ("Dear Sir/Madam,", "Sir/Madam"),
    ("Hi ,", ""),
)
_MAILCHIMP_NAMES = {"first_name": "FNAME", "last_name": "LNAME", "full_name": "NAME"}
REQUIRED_FILLS = frozenset({
    "first_names", "last_names", "companies", "legal_suffixes", "titles", "cities", "schools",
    "recent_posts", "products", "industries", "sender_names", "sender_companies", "sender_titles",
})


class TemplateError(ValueError):
    """A template, fill or personal-message file is malformed; the message names file and id."""


@dataclass(frozen=True)
class Template:
    """One outreach template of the library (data/templates), as validated from its YAML file."""

    id: str
    family: str
    channel: str
    kind: str
    body: str
    subject: str | None

    @property
    def slots(self) -> frozenset[str]:
        """The `{{ slot }}` names the subject and body use: the fills a copy of this template needs."""
        return frozenset(_SLOT_RE.findall(f"{self.subject or ''}\n{self.body}"))


# ---------------------------------------------------------------- loading and validation


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise TemplateError(f"{path.name}: top level must be a mapping")
    return data


def _check_spintax(text: str, where: str) -> None:
    """Braces balanced, nesting at most two deep, and every group offers a choice."""
    marked = _SLOT_RE.sub("\x00slot\x00", text)
    depth = 0
    for char in marked:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0 or depth > 2:
            raise TemplateError(f"{where}: unbalanced or over-nested spintax braces")
    if depth:
        raise TemplateError(f"{where}: unbalanced spintax braces")
    while match := _GROUP_RE.search(marked):
        if "|" not in match.group(1):
            raise TemplateError(f"{where}: spintax group {{{match.group(1)}}} has no '|' (a slot needs double braces)")
        marked = marked[:match.start()] + "x" + marked[match.end():]


def _check_text(text: str, where: str) -> None:
    unknown = sorted(set(_SLOT_RE.findall(text)) - SLOTS)
    if unknown:
        raise TemplateError(f"{where}: unknown slot(s) {', '.join(unknown)}")
    _check_spintax(text, where)


def _template(entry: Any, meta: dict[str, str], path: Path) -> Template:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise TemplateError(f"{path.name}: every template needs a string 'id'")
    where = f"{path.name}: template {entry['id']}"
    body, subject = entry.get("body"), entry.get("subject")
    if not isinstance(body, str) or not body.strip():
        raise TemplateError(f"{where}: 'body' must be non-empty text")
    if subject is not None and (not isinstance(subject, str) or meta["channel"] != "email"):
        raise TemplateError(f"{where}: 'subject' must be text and only on email templates")
    for text in (body, subject or ""):
        _check_text(text, where)
    return Template(id=entry["id"], body=body.strip(), subject=subject, **meta)


def _family_file(path: Path) -> list[Template]:
    data = _read_yaml(path)
    meta = {key: data.get(key) for key in ("family", "channel", "kind")}
    if meta["family"] != path.stem:
        raise TemplateError(f"{path.name}: 'family' must match the file name")
    if meta["channel"] not in CHANNELS or not isinstance(meta["kind"], str):
        raise TemplateError(f"{path.name}: 'channel' must be one of {CHANNELS} and 'kind' text")
    entries = data.get("templates")
    if not isinstance(entries, list) or not entries:
        raise TemplateError(f"{path.name}: 'templates' must be a non-empty list")
    return [_template(entry, meta, path) for entry in entries]


def load_templates(templates_dir: Path) -> list[Template]:
    """Every template in `templates_dir/*.yaml`, validated, in file-name then file order."""
    templates: list[Template] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(templates_dir).glob("*.yaml")):
        for template in _family_file(path):
            if template.id in seen:
                raise TemplateError(f"{path.name}: template {template.id} duplicates an id in {seen[template.id]}")
            seen[template.id] = path.name
            templates.append(template)
    return templates


def load_fills(templates_dir: Path) -> dict[str, list[str]]:
    """All fill lists from `templates_dir/fills/*.yaml`, keyed by list name."""
    fills: dict[str, list[str]] = {}
    for path in sorted((Path(templates_dir) / "fills").glob("*.yaml")):
        for name, values in _read_yaml(path).items():
            if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
                raise TemplateError(f"{path.name}: '{name}' must be a non-empty list of strings")
            fills[name] = values
    missing = sorted(REQUIRED_FILLS - fills.keys())
    if missing:
        raise TemplateError(f"fills: missing list(s) {', '.join(missing)}")
    return fills


# ---------------------------------------------------------------- people and slot values


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def website_for(company: str) -> str:
    """A stable domain for a company: lower-case, no spaces, .com/.io/.co by a checksum."""
    return _slug(company) + _TLDS[zlib.crc32(company.encode()) % len(_TLDS)]


def _email(first: str, last: str, domain: str) -> str:
    return f"{_slug(first)}.{_slug(last)}@{domain}"


def _legal_name(company: str, rng: random.Random, suffixes: list[str]) -> str:
    suffix = rng.choice(suffixes)
    return f"{company}, {suffix}" if suffix in ("Inc.", "Ltd") else f"{company} {suffix}"


def _draw_values(fills: dict[str, list[str]], rng: random.Random) -> dict[str, str]:
    """One recipient and one sender, as the values of every slot."""
    first, last = rng.choice(fills["first_names"]), rng.choice(fills["last_names"])
    sender_name = rng.choice(fills["sender_names"])
    company = rng.choice(fills["companies"])
    return {
        "first_name": first,
        "last_name": last,
        "full_name": f"{first} {last}",
        "company": company,
        "title": rng.choice(fills["titles"]),
        "city": rng.choice(fills["cities"]),
        "school": rng.choice(fills["schools"]),
        "recent_post": rng.choice(fills["recent_posts"]),
        "product": rng.choice(fills["products"]),
        "industry": rng.choice(fills["industries"]),
        "website": website_for(company),
        "mutual_connection": f"{rng.choice(fills['first_names'])} {rng.choice(fills['last_names'])}",
        "sender_name": sender_name,
        "sender_first_name": sender_name.split()[0],
        "sender_company": rng.choice(fills["sender_companies"]),
        "sender_title": rng.choice(fills["sender_titles"]),
        "day": rng.choice(_WEEKDAYS),
    }


def _recipient(values: dict[str, str]) -> dict[str, str]:
    return {
        "name": values["full_name"],
        "first_name": values["first_name"],
        "last_name": values["last_name"],
        "company": values["company"],
        "title": values["title"],
        "email": _email(values["first_name"], values["last_name"], values["website"]),
        "location": values["city"],
    }


def _sender(values: dict[str, str], channel: str, rng: random.Random) -> dict[str, str | None]:
    first, *rest = values["sender_name"].split()
    domain = "gmail.com" if rng.random() < FREEMAIL_SHARE else website_for(values["sender_company"])
    return {"name": values["sender_name"], "email": _email(first, rest[-1], domain) if channel == "email" else None}


# ---------------------------------------------------------------- merge failures


def _eligible_failures(template: Template) -> set[str]:
    slots = template.slots
    eligible = set()
    if slots & set(RECIPIENT_SLOTS):
        eligible.add("unfilled_tag")
    if _flat_groups(_protect_slots(template.body)):
        eligible.add("unexpanded_spintax")
    if "first_name" in slots:
        eligible |= {"fallback_greeting", "full_name_as_first"}
        if template.channel not in VOICE_CHANNELS:
            eligible.add("case_glitch")
    if "company" in slots:
        eligible.add("legal_suffix")
    return eligible


def assign_failures(templates: list[Template], copies: int, seed: int) -> dict[tuple[str, int], str]:
    """Which (template id, copy) pairs get which failure: exactly the documented share of all copies.

    Drawn library-wide rather than per copy, so the rates hold exactly instead of on average;
    failures with the fewest eligible templates are placed first so they always fit.
    """
    rng = random.Random(f"{seed}:merge-failures")
    total = len(templates) * copies
    eligible = {
        failure: [(t.id, i) for t in templates if failure in _eligible_failures(t) for i in range(copies)]
        for failure in MERGE_FAILURE_RATES
    }
    assigned: dict[tuple[str, int], str] = {}
    for failure in sorted(MERGE_FAILURE_RATES, key=lambda f: (len(eligible[f]), f)):
        free = [pair for pair in eligible[failure] if pair not in assigned]
        wanted = min(len(free), round(MERGE_FAILURE_RATES[failure] * total))
        assigned.update((pair, failure) for pair in rng.sample(free, wanted))
    return assigned


def _unfilled_tag(slot: str, rng: random.Random) -> str:
    """The raw merge tag for `slot` in one of the syntaxes mail-merge tools use."""
    words = slot.split("_")
    upper, camel = "_".join(words).upper(), "".join(w.capitalize() for w in words)
    syntaxes = (
        f"[{upper}]", f"{{{{{slot}}}}}", f"{{{slot}}}", f"*|{_MAILCHIMP_NAMES.get(slot, upper.replace('_', ''))}|*",
        f"%{upper.replace('_', '')}%", f"{{{{ .{camel} }}}}", f"<<{' '.join(w.capitalize() for w in words)}>>",
        f"#{{{slot}}}", f"${slot}", f"${{{slot}}}", f"[[{slot.replace('_', '')}]]", f"{{!Contact.{camel}}}",
    )
    return rng.choice(syntaxes)


def _fallback_greeting(body: str, values: dict[str, str], rng: random.Random) -> str:
    """The CRM had no first name: the greeting line and any other use get the default."""
    greeting, default = rng.choice(_FALLBACK_GREETINGS)
    values["first_name"] = default.format(company=values["company"])
    first, _, rest = body.partition("\n")
    if "{{first_name}}" in first and len(first) < 60:
        return greeting.format(company=values["company"]) + ("\n" + rest if rest else "")
    return body


def _apply_failure(failure: str | None, template: Template, values: dict[str, str],
                   fills: dict[str, list[str]], rng: random.Random) -> str:
    """Change the slot values (or the greeting) for `failure`; return the body to fill."""
    body = template.body
    if failure == "unfilled_tag":
        slot = next(s for s in RECIPIENT_SLOTS if s in template.slots)
        values[slot] = _unfilled_tag(slot, rng)
    elif failure == "fallback_greeting":
        body = _fallback_greeting(body, values, rng)
    elif failure == "case_glitch":
        values["first_name"] = rng.choice((str.upper, str.lower))(values["first_name"])
    elif failure == "full_name_as_first":
        values["first_name"] = values["full_name"]
    elif failure == "legal_suffix":
        values["company"] = _legal_name(values["company"], rng, fills["legal_suffixes"])
    return body


# ---------------------------------------------------------------- spintax and filling


def _protect_slots(text: str) -> str:
    return _SLOT_RE.sub(lambda m: f"\x00{m.group(1)}\x00", text)


def _flat_groups(text: str) -> list[re.Match[str]]:
    """Spintax groups at the top level with no group inside (can be left raw whole)."""
    depth_before = [0]
    for char in text:
        depth_before.append(depth_before[-1] + {"{": 1, "}": -1}.get(char, 0))
    return [m for m in _GROUP_RE.finditer(text) if depth_before[m.start()] == 0]


def _expand(text: str, rng: random.Random) -> str:
    while match := _GROUP_RE.search(text):
        text = text[:match.start()] + rng.choice(match.group(1).split("|")) + text[match.end():]
    return text


def fill(text: str, values: dict[str, str], rng: random.Random, keep_group: bool = False) -> str:
    """Expand spintax and fill slots; with `keep_group`, the first flat group stays raw."""
    marked = _protect_slots(text)
    kept = ""
    groups = _flat_groups(marked) if keep_group else []
    if groups:
        kept = groups[0].group(0)
        marked = marked[:groups[0].start()] + _KEPT + marked[groups[0].end():]
    expanded = _expand(marked, rng).replace(_KEPT, kept)
    return _SLOT_MARK_RE.sub(lambda m: values[m.group(1)], expanded)


def as_asr(text: str) -> str:
    """Lower-case, punctuation dropped (dots and apostrophes inside words kept), one line."""
    text = re.sub(r"(?<=\w)([.'’])(?=\w)", lambda m: "\x03" if m.group(1) == "." else "\x04", text.lower())
    text = re.sub(r"[^\w\s\x03\x04]", " ", text).replace("\x03", ".").replace("\x04", "'")
    return " ".join(text.split())


# ---------------------------------------------------------------- records


def _label_columns(template: Template, failure: str | None) -> dict[str, Any]:
    return {
        "label": "smile", "kind": template.kind, "source": SMILE_SOURCE, "group": template.id,
        "licence": LICENCE, "family": template.family, "template_id": template.id, "merge_failure": failure,
        "repo": LIBRARY_REPO, "author": "human",
    }


def _earlier_email(cold: list[Template], values: dict[str, str], rng: random.Random) -> list[dict[str, Any]]:
    """A bump quotes the sender's own first email, so threads are not a personal-only trait."""
    if not cold:
        return []
    return [{"from_recipient": False, "body": fill(rng.choice(cold).body, values, rng)}]


def _render_copy(template: Template, copy: int, failure: str | None, fills: dict[str, list[str]],
                 cold: list[Template], rng: random.Random) -> dict[str, Any]:
    values = _draw_values(fills, rng)
    clean_values = dict(values)
    record: dict[str, Any] = {"id": f"{template.id}-{copy:02d}", "channel": template.channel}
    recipient, sender = _recipient(values), _sender(values, template.channel, rng)
    body = _apply_failure(failure, template, values, fills, rng)
    keep = failure == "unexpanded_spintax"
    if template.channel == "email" and template.subject:
        record["subject"] = fill(template.subject, values, rng)
    text = fill(body, values, rng, keep_group=keep)
    if template.channel in VOICE_CHANNELS and rng.random() < ASR_SHARE:
        text = as_asr(text)
    record.update(body=text, recipient=recipient, sender=sender)
    if template.family == "followup_bump":
        record["thread"] = _earlier_email(cold, clean_values, rng)
    record.update(_label_columns(template, failure))
    return record


def render_smile(templates_dir: Path, seed: int = 13, copies_per_template: int = 12) -> list[dict[str, Any]]:
    """`copies_per_template` filled copies of every template, each to a different recipient."""
    templates = load_templates(templates_dir)
    if not templates:
        return []
    fills = load_fills(templates_dir)
    failures = assign_failures(templates, copies_per_template, seed)
    cold = [t for t in templates if t.family == "cold_sales_email"]
    records = []
    for template in templates:
        rng = random.Random(f"{seed}:{template.id}")
        records += [
            _render_copy(template, i, failures.get((template.id, i)), fills, cold, rng)
            for i in range(copies_per_template)
        ]
    return records


# ---------------------------------------------------------------- hand-written personal messages


def _personal_recipient(data: Any, where: str) -> dict[str, str | None]:
    if not isinstance(data, dict) or not data.get("first_name") or not data.get("last_name"):
        raise TemplateError(f"{where}: 'recipient' needs first_name and last_name")
    first, last, company = data["first_name"], data["last_name"], data.get("company")
    domain = website_for(company) if company else "gmail.com"
    return {
        "name": f"{first} {last}", "first_name": first, "last_name": last, "company": company,
        "title": data.get("title"), "email": data.get("email") or _email(first, last, domain),
        "location": data.get("location"),
    }


def _personal_sender(data: Any, channel: str, where: str) -> dict[str, str | None]:
    if not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise TemplateError(f"{where}: 'sender' needs a name")
    if channel != "email":
        return {"name": data["name"], "email": None}
    first, *rest = data["name"].split()
    domain = website_for(data["company"]) if data.get("company") else "gmail.com"
    return {"name": data["name"], "email": data.get("email") or _email(first, rest[-1] if rest else "", domain)}


def _personal_thread(items: Any, where: str) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not all(isinstance(i, dict) and isinstance(i.get("body"), str) for i in items):
        raise TemplateError(f"{where}: 'thread' must be a list of objects with a text 'body'")
    return [{"from_recipient": bool(i.get("from_recipient")), "body": i["body"].strip()} for i in items]


def _personal_record(entry: Any, channel: str, kind: str, path: Path) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
        raise TemplateError(f"{path.name}: every message needs a string 'id'")
    where = f"{path.name}: message {entry['id']}"
    if not isinstance(entry.get("body"), str) or not entry["body"].strip():
        raise TemplateError(f"{where}: 'body' must be non-empty text")
    record: dict[str, Any] = {"id": entry["id"], "channel": channel}
    if entry.get("subject"):
        record["subject"] = entry["subject"]
    record.update(
        body=entry["body"].strip(),
        recipient=_personal_recipient(entry.get("recipient"), where),
        sender=_personal_sender(entry.get("sender"), channel, where),
    )
    if entry.get("thread"):
        record["thread"] = _personal_thread(entry["thread"], where)
    record.update(label="personal", kind=entry.get("kind", kind), source=PERSONAL_SOURCE, group=entry["id"],
                  licence=LICENCE, family=None, template_id=None, merge_failure=None)
    return record


def load_personal(personal_dir: Path) -> list[dict[str, Any]]:
    """Every hand-written message in `personal_dir/*.yaml`, as labelled contract records."""
    records: list[dict[str, Any]] = []
    seen: set[str] = set()
    for path in sorted(Path(personal_dir).glob("*.yaml")):
        data = _read_yaml(path)
        channel, kind = data.get("channel"), data.get("kind")
        if channel not in CHANNELS or not isinstance(kind, str):
            raise TemplateError(f"{path.name}: 'channel' must be one of {CHANNELS} and 'kind' text")
        for entry in data.get("messages") or []:
            record = _personal_record(entry, channel, kind, path)
            if record["id"] in seen:
                raise TemplateError(f"{path.name}: message {record['id']} duplicates an earlier id")
            seen.add(record["id"])
            records.append(record)
    return records
