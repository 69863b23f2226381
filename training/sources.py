"""Streaming readers for the public corpora in `shared/corpora` (see its MANIFEST.md, sections 1-3).

Each reader yields records in the contract INPUT shape plus label columns (`RECORD_KEYS`), so
training scores exactly what the detector scores. Labels follow the project's four-way view
(personal / smile / bulk / spam); the public sources supply personal, bulk and spam only.
A record that cannot be read is skipped with a warning naming file and line, and counted in
`Skips`, never silently dropped; a missing file or folder is a `CorpusError`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import getaddresses
from pathlib import Path
from typing import Any

from detector.parsing import html as html_text
from detector.parsing import rfc822

RECORD_KEYS = (
    "id", "channel", "subject", "body", "raw", "recipient", "sender",
    "label", "kind", "source", "group", "licence", "family", "template_id", "merge_failure",
    "repo", "author", "split",
)
"""`repo` and `author` (human / llm-suspected / unknown) for outreach from a repository; `split` only
where a source fixes it (public outreach: the data card's repository-disjoint split)."""
LABELS = ("personal", "smile", "bulk", "spam")
SOURCES = ("spamassassin", "enron_spam", "sms_spam_collection", "public_outreach", "public_personal")

ENRON_FILE = Path("text/enron_spam.jsonl.gz")
SPAMASSASSIN_FILE = Path("text/spamassassin.jsonl.gz")
SMS_FILE = Path("text/sms_spam.jsonl.gz")

ENRON_LICENCE = ("research use (Enron-Spam, Metsis et al. CEAS 2006; no formal open licence, "
                 "do not redistribute inside a product or model bundle without checking)")
SPAMASSASSIN_LICENCE = ("PDDL-1.0 (database) and CC0-1.0 (contents), as packaged by stdlib; "
                        "never send the messages into a live mail system")
SMS_LICENCE = "CC BY 4.0 as listed by UCI (credit Almeida, Gomez Hidalgo, Yamakami, DocEng 2011)"

ENRON_OWNERS = {
    "farmer": ("Daren", "Farmer"),
    "kaminski": ("Vince", "Kaminski"),
    "kitchen": ("Louise", "Kitchen"),
}


class CorpusError(Exception):
    """A corpus file or folder is missing or unreadable as a whole; the message names the path."""


class SkippedRecordWarning(UserWarning):
    """One record could not be read and was left out (it is counted in the build report)."""


@dataclass
class Skips:
    """Records left out per source, so the report and datasheet can show them.

    `unreadable` ones (bad JSON, missing field, undecodable) also warn with file and line;
    `empty_body` ones are readable but have no body text to score (subject-only mail).
    """

    unreadable: Counter = field(default_factory=Counter)
    empty_body: Counter = field(default_factory=Counter)

    def skip(self, source: str, path: Path, line: int, reason: str) -> None:
        """Count one unreadable record of `source` and warn with its file and line, so the build goes on."""
        self.unreadable[source] += 1
        warnings.warn(f"{path}:{line}: skipped {source} record ({reason})", SkippedRecordWarning, stacklevel=2)

    def summary(self) -> dict[str, dict[str, int]]:
        """Per source, the unreadable and empty-body records left out, as the build report holds them."""
        return {source: {"unreadable": self.unreadable[source], "empty_body": self.empty_body[source]}
                for source in SOURCES}


def record(**values: Any) -> dict[str, Any]:
    """A record with exactly `RECORD_KEYS`, absent ones None."""
    unknown = set(values) - set(RECORD_KEYS)
    if unknown:
        raise ValueError(f"unknown record keys: {sorted(unknown)}")
    return {key: values.get(key) for key in RECORD_KEYS}


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_NON_ALNUM = re.compile(r"[\W_]+")


def tokens(text: str) -> list[str]:
    """Lower-cased alphanumeric tokens: the same for tokenised Enron and natural text."""
    return _NON_ALNUM.sub(" ", text.lower()).split()


def spam_group(subject: str | None, body: str) -> str:
    """Spam campaigns reuse a subject with changing numbers, so digits are dropped before hashing."""
    words = [t for t in tokens(subject or "") if not t.isdigit()] or tokens(body)[:20]
    return f"spam:{_short_hash(' '.join(words))}"


def _records(path: Path, source: str, required: tuple[str, ...], skips: Skips) -> Iterator[tuple[int, dict]]:
    """(line number, record) for every readable line that has all `required` string fields."""
    if not path.parent.is_dir():
        raise CorpusError(f"corpus folder not found: {path.parent}")
    if not path.is_file():
        raise CorpusError(f"corpus file not found: {path}")
    try:
        with gzip.open(path, "rb") as fh:
            for number, raw_line in enumerate(fh, 1):
                if not raw_line.strip():
                    continue
                try:
                    data = json.loads(raw_line.decode("utf-8"))
                except UnicodeDecodeError:
                    skips.skip(source, path, number, "not UTF-8")
                    continue
                except json.JSONDecodeError as exc:
                    skips.skip(source, path, number, f"bad JSON: {exc.msg}")
                    continue
                if not isinstance(data, dict):
                    skips.skip(source, path, number, "not a JSON object")
                    continue
                missing = [key for key in required if not isinstance(data.get(key), str)]
                if missing:
                    skips.skip(source, path, number, f"missing or non-text field(s): {', '.join(missing)}")
                    continue
                yield number, data
    except (OSError, EOFError) as exc:
        raise CorpusError(f"cannot read {path}: {exc}") from exc


# ---------------------------------------------------------------- Enron-Spam

_TLD = r"(?:com|net|org|edu|gov|co|uk|us|ca|de|html?|asp|php|cfm|xls|doc|ppt|pdf|txt|zip|exe|gif|jpg)"
_HAS_DOMAIN = re.compile(r" \. " + _TLD + r"\b")
_DOMAIN = re.compile(r"(?:[\w-]+ \. )+" + _TLD + r"\b")
_DETOK_RULES = (
    (re.compile(r" '(?<=\w ') (?=(?:s|t|re|ve|ll|d|m)\b)"), "'"),               # jim ' s, don ' t
    (re.compile(r" ([.:]) (?<=\d [.:] )(?=\d)"), r"\1"),                          # 1 . 2, 7 : 30
    (re.compile(r" , (?<=\d , )(?=\d{3}\b)"), ","),                               # 1 , 200
    (re.compile(r" ([-/_]) (?<=\w [-/_] )(?=\w)"), r"\1"),                        # e - mail, 06 / 21
    (re.compile(r"([-/]) (?=[-/])"), r"\1"),                                      # - - - -, / /
    (re.compile(r" : //(?<=\w : //) ?"), "://"),                                  # http : / /
    (re.compile(r" @ (?<=\w @ )(?=[\w-]+\.\w)|(/[\w&]+) @ (?=\w)"),               # a @ b.com, hou/ect @ ect
     lambda m: (m.group(1) or "") + "@"),
    (re.compile(r" \. (?<=\b[a-z] \. )([a-z]) \."), r".\1."),                    # a . m .
    (re.compile(r" (st|nd|rd|th)\b(?<=\d (?:st|nd|rd|th))"), r"\1"),             # 1 st
    (re.compile(r" +([,.;:!?%)\]}])"), r"\1"),                                    # word , -> word,
    (re.compile(r"([(\[{]) +|([$#£]) +(?=\d)"), lambda m: m.group(1) or m.group(2)),  # ( x, $ 5
    (re.compile(r"\" ([^\"\n]*?) \""), r'"\1"'),                                  # " quoted "
)


def detokenise(text: str) -> str:
    """Undo Enron-Spam's punctuation splitting, so spacing is not a shortcut to "this is Enron".

    Approximate by design: a spaced dash (`a - b`) is always joined, since hyphenated words
    outnumber sentence dashes; case is left to the model's lower-casing.
    """
    if _HAS_DOMAIN.search(text):
        text = _DOMAIN.sub(lambda m: m.group(0).replace(" . ", "."), text)
    for pattern, replacement in _DETOK_RULES:
        text = pattern.sub(replacement, text)
    return text


# Patterns run on the original (tokenised, lower-case) text.
_ANNOUNCEMENT = re.compile(
    r"(?m)enron announcements|sent by : enron|all (?:enron )?employees|enron - wide|(?:memo|message) from (?:the )?office"
    r"|distribution list|dist list"
    # press releases and notices to a whole user base or programme
    r"|announced today|for immediate release|\( (?:nyse|nasdaq) :|this message is intended for [a-z]+ users"
    r"|to all [a-z]+ users|in (?:congratulating|welcoming) the following"
    r"|^dear (?:valued )?(?:[a-z]+ )?(?:participant|member|owner|subscriber|customer|user|golfer)s? ?,")
_NEWSLETTER = re.compile(
    r"unsubscribe|to be removed from|newsletter|mailing list|listserv|list - serv|you are receiving this"
    r"|you received this (?:e - mail|email|message)|to subscribe|opt - out"
    r"|all rights reserved|copyright \d{4}|\( c \) \d{4}|news service , \d|enron mentions"
    # press articles passed on whole: the text was written for a readership, not this reader
    r"|this (?:story|article) was sent to you by|staff reporter of|senior columnist|\( c \) reuters"
    r"|reuters english news service|(?:dow jones|associated press|bloomberg) newswires?")
_AUTOMATED = re.compile(
    r"thank(?:s| you) for (?:ordering|shopping|registering|your order|your purchase|signing up|subscribing|confirming)"
    r"|your (?:order|purchase|account|registration|subscription) (?:with|has|is|information|confirmation|number)"
    r"|order (?:confirmation|number|#)|(?:do not|please don ' t|please do not) reply to this"
    r"|this (?:is an|e - mail is an|email is an) automated|automatically generated|to view this newsletter"
    r"|in this issue|view (?:it|this (?:e - mail|email|message)) (?:online|in your browser)|privacy policy"
    r"|customer service|click here|sign up (?:now|today)|special offer|free shipping"
    r"|(?:we are|is) (?:pleased|excited|proud) to announce|welcome to [a-z]+ ?\.? ?com|your member id"
    # service notices and reports that go out on a schedule
    r"|thank you for using [a-z]+ \. (?:com|net)|renewal notice|customer order code|invoice for [a-z]+ \. com"
    r"|(?:daily|weekly|monthly) (?:public |status )?(?:report|update) for|update # \d"
    r"|please ensure that this (?:e - mail|email) is distributed|questions or comments regarding this report"
    # a company system writing to whoever it lists: approvals, reviewer duty, orders, log-ins, surveys
    r"|you (?:have )?received this (?:e - mail|email|message) because"
    r"|you will receive this (?:e - mail|email|message|notice) (?:each|every) time|automatic notification"
    r"|your user ?id (?:& |and )?password .{0,80}are ?:|\* immediate action required")
_HEADER_LINE = re.compile(r"(?m)^(?:to|cc) : ")
_HEADER_BLOCK = re.compile(r"(?:(?:to|cc) : .*(?:\n(?![a-z]+ :).*)*\n?)+")
_QUOTE_START = re.compile(r"(?m)^(?:- - - - -|.*forwarded by|from : |to : )")
_REPLY = re.compile(r"^\s*re\s*:")
_FORWARD_OR_REPLY = re.compile(r"^\s*(?:re|fw|fwd)\s*:")
MANY_RECIPIENTS = 25
"""A forwarded message whose header lists at least this many addresses was a broadcast."""


def _own_text(body: str) -> str:
    """The text above the first quoted or forwarded message."""
    start = _QUOTE_START.search(body)
    return body[:start.start()] if start else body


def _forwarded_broadcast(body: str) -> bool:
    """A bare forward (little text of one's own) of a message sent to many people."""
    header = _HEADER_LINE.search(body, 0, 600)
    if header is None or len(_own_text(body).strip()) > 80:
        return False
    block = _HEADER_BLOCK.match(body, header.start())
    return block is not None and len(re.findall(r"[,;]", block.group(0))) + 1 >= MANY_RECIPIENTS


def enron_ham_kind(subject: str, body: str) -> tuple[str, str]:
    """(label, kind) for one Enron ham message, from its tokenised lower-case text.

    A reply is judged by its own text only: answering a newsletter is still personal mail,
    while forwarding one passes on mass-produced text.
    """
    reply = bool(_REPLY.match(subject))
    text = f"{subject}\n{_own_text(body) if reply else body}"
    if _ANNOUNCEMENT.search(text) or (not reply and _forwarded_broadcast(body)):
        return "bulk", "announcement"
    if _NEWSLETTER.search(text):
        return "bulk", "newsletter"
    if _AUTOMATED.search(text):
        return "bulk", "notification"
    return "personal", "reply" if _FORWARD_OR_REPLY.match(subject) else "direct"


def _enron_owner(owner: str) -> dict[str, str] | None:
    if owner not in ENRON_OWNERS:
        return None
    first, last = ENRON_OWNERS[owner]
    return {"name": f"{first} {last}", "first_name": first, "last_name": last, "company": "Enron",
            "email": f"{first.lower()}.{last.lower()}@enron.com"}


def read_enron(corpora: Path, skips: Skips) -> Iterator[dict[str, Any]]:
    """Enron-Spam enron1-3: ham is the owner's mailbox (one split group per owner), spam is spam."""
    path = corpora / ENRON_FILE
    for number, data in _records(path, "enron_spam", ("id", "owner", "label", "subject", "body"), skips):
        subject, body = data["subject"], data["body"]
        if not body.strip():
            skips.empty_body["enron_spam"] += 1
            continue
        common = {"id": data["id"], "channel": "email", "subject": detokenise(subject),
                  "body": detokenise(body), "source": "enron_spam", "licence": ENRON_LICENCE}
        if data["label"] == "ham":
            label, kind = enron_ham_kind(subject, body)
            yield record(**common, recipient=_enron_owner(data["owner"]), label=label, kind=kind,
                         group=f"enron:{data['owner']}")
        elif data["label"] == "spam":
            yield record(**common, label="spam", kind="spam", group=spam_group(subject, body))
        else:
            skips.skip("enron_spam", path, number, f"unknown label {data['label']!r}")


# ---------------------------------------------------------------- SpamAssassin

_LIST_TAG = re.compile(r"^\s*(?:(?:re|fwd?|aw)\s*:\s*)*\[([^\]]+)\]", re.IGNORECASE)
_ROBOT_SENDER = re.compile(
    r"^(?:nobody|root|mail|mailer-daemon|postmaster|webmaster|donotuse|info|no-?reply|rhn-admin|confnews)@",
    re.IGNORECASE)
_LIST_ID = re.compile(r"<([^>]+)>")
_HTML_DOCUMENT = re.compile(r"<(?:html|body)\b", re.IGNORECASE)


def _list_headers(headers: dict[str, str]) -> bool:
    precedence = headers.get("precedence", "").strip().lower()
    return "list-id" in headers or "list-unsubscribe" in headers or precedence in ("list", "bulk", "junk")


def _domain(address: str | None) -> str:
    return address.rsplit("@", 1)[-1].lower() if address and "@" in address else "unknown"


def _single_recipient(to_header: str | None) -> dict[str, str] | None:
    if not to_header:
        return None
    try:
        pairs = [(name, addr) for name, addr in getaddresses([to_header]) if addr and "@" in addr]
    except (TypeError, ValueError, IndexError):
        return None
    if len(pairs) != 1:
        return None
    name, addr = pairs[0]
    return {"name": name or None, "email": addr}


def _sa_text(parsed: rfc822.ParsedEmail) -> str:
    """The readable body: the text part, else the rendered HTML part; HTML in a text part is rendered too."""
    text = parsed.text if parsed.text and parsed.text.strip() else None
    if text is None:
        return html_text.to_text(parsed.html).text if parsed.html else ""
    if _HTML_DOCUMENT.search(text):
        return html_text.to_text(text).text
    return text


def spamassassin_ham_kind(parsed: rfc822.ParsedEmail, group: str) -> tuple[str, str, str]:
    """(label, kind, split group) for SpamAssassin ham, from headers and sender.

    easy_ham is mostly list and automated mail (MANIFEST section 2), so beyond the list
    headers a `[tag]` subject, a robot sender or undisclosed recipients also mean bulk.
    """
    sender = (parsed.sender_email or "").lower()
    headers = parsed.headers
    if group == "hard_ham":
        return "bulk", "newsletter", f"sa-list:{_domain(sender)}"
    if sender.startswith("rssfeeds@"):
        return "bulk", "feed", f"sa-feed:{(parsed.sender_name or _domain(sender)).lower()}"
    if _list_headers(headers):
        list_id = _LIST_ID.search(headers.get("list-id", ""))
        return "bulk", "list_mail", f"sa-list:{list_id.group(1).lower() if list_id else _domain(sender)}"
    tag = _LIST_TAG.match(parsed.subject or "")
    if tag:
        return "bulk", "list_mail", f"sa-list:{tag.group(1).strip().lower()}"
    if _ROBOT_SENDER.match(sender) or "undisclosed" in headers.get("to", "").lower():
        return "bulk", "newsletter", f"sa-list:{_domain(sender)}"
    body = _sa_text(parsed).lower()
    if _AUTOMATED.search(body) or _NEWSLETTER.search(body):
        return "bulk", "notification", f"sa-list:{_domain(sender)}"
    kind = "reply" if _FORWARD_OR_REPLY.match((parsed.subject or "").lower()) else "direct"
    return "personal", kind, f"sa:{sender or 'unknown'}"


def read_spamassassin(corpora: Path, skips: Skips) -> Iterator[dict[str, Any]]:
    """SpamAssassin easy_ham / hard_ham / spam, parsed from the raw RFC 822 text."""
    path = corpora / SPAMASSASSIN_FILE
    for number, data in _records(path, "spamassassin", ("id", "group", "raw"), skips):
        try:
            parsed = rfc822.parse(data["raw"])
        except rfc822.UndecodableMessage as exc:
            skips.skip("spamassassin", path, number, str(exc))
            continue
        body = _sa_text(parsed)
        subject = (parsed.subject or "").strip() or None
        if not body.strip():
            skips.empty_body["spamassassin"] += 1
            continue
        sender = {"name": parsed.sender_name, "email": parsed.sender_email} if parsed.sender_email else None
        common = {"id": data["id"], "channel": "email", "subject": subject, "body": body, "sender": sender,
                  "recipient": _single_recipient(parsed.headers.get("to")), "source": "spamassassin",
                  "licence": SPAMASSASSIN_LICENCE}
        if data["group"] in ("easy_ham", "hard_ham"):
            label, kind, group = spamassassin_ham_kind(parsed, data["group"])
            yield record(**common, label=label, kind=kind, group=group)
        elif data["group"] == "spam":
            yield record(**common, label="spam", kind="spam", group=spam_group(subject, body))
        else:
            skips.skip("spamassassin", path, number, f"unknown group {data['group']!r}")


# ---------------------------------------------------------------- SMS Spam Collection


def read_sms(corpora: Path, skips: Skips) -> Iterator[dict[str, Any]]:
    """SMS Spam Collection: ham is personal chat, spam is spam; no sender or recipient."""
    path = corpora / SMS_FILE
    for number, data in _records(path, "sms_spam_collection", ("id", "label", "body"), skips):
        labels = {"ham": ("personal", "sms"), "spam": ("spam", "spam")}
        if data["label"] not in labels:
            skips.skip("sms_spam_collection", path, number, f"unknown label {data['label']!r}")
            continue
        if not data["body"].strip():
            skips.empty_body["sms_spam_collection"] += 1
            continue
        label, kind = labels[data["label"]]
        words = [t for t in tokens(data["body"]) if not t.isdigit()]
        yield record(id=data["id"], channel="sms", body=data["body"], label=label, kind=kind,
                     source="sms_spam_collection", group=f"sms:{_short_hash(' '.join(words))}",
                     licence=SMS_LICENCE)


READERS = (read_spamassassin, read_enron, read_sms)
"""In dedup priority order: SpamAssassin first, so its richer copy of a shared spam survives."""


def input_files(corpora: Path) -> tuple[Path, ...]:
    """The corpora files a build reads, hashed into the build report so a corpus can be traced to its inputs."""
    return tuple(corpora / name for name in (ENRON_FILE, SPAMASSASSIN_FILE, SMS_FILE, Path("text/public_outreach.jsonl.gz"),
                                             Path("text/public_outreach_stats.json"), Path("text/public_personal.jsonl.gz")))
