"""IDENTITY_SLOTS: where the text refers to the recipient (name, company, title, place, links).

Mail merge fills exactly these slots, so the other merge signals, the depth signal and the
masking for the text model all start from them. Variants are matched with `str.find` on a
lower-cased copy (the recipient differs per message, so nothing is compiled per call).
A name counts where it is written like a name ("Mark", "McDonald"), and a field where it is
not all lower-case; other casings count only as a greeting's addressee ("hi mark,", "Hi MARK")
or in all-lower-case text (ASR transcripts), so "mark my words" and "RPM" are not the reader.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator, Mapping
from urllib.parse import unquote

from detector.message import Message, Person
from detector.signals.base import Hit, Signal

LEGAL_SUFFIX = (
    r"(?:inc|incorporated|llc|l\.l\.c|ltd|limited|gmbh|corp|corporation|co|plc|llp|ag|s\.a|sa|b\.v|bv"
    r"|n\.v|nv|pty|oy|srl|s\.r\.l|sas|kg|pvt)\.?"
)
_SUFFIX_TAIL = re.compile(rf"(?:,?[ \t]+{LEGAL_SUFFIX}(?![\w-]))+", re.IGNORECASE)
_SUFFIX_STRIP = re.compile(rf"(?:,?\s+{LEGAL_SUFFIX})+\s*$", re.IGNORECASE)
SUFFIX_END = re.compile(rf"[,\s]{LEGAL_SUFFIX}$", re.IGNORECASE)
_HONORIFIC = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr|prof|sir)\.?\s+", re.IGNORECASE)
_MIDDLE = re.compile(r"[ \t]+(?:[A-Za-z]\.?[ \t]+)?")
_GREETING_WORD = r"(?:hi|hello|hey|hiya|heya|dear|greetings|howdy|yo|good[ \t]+(?:morning|afternoon|evening|day))"
_GREET_PREFIX = re.compile(rf"[ \t]*(?:(?P<word>{_GREETING_WORD})[ \t,!]*)?", re.IGNORECASE)
_VOCATIVE_AFTER = re.compile(r"[ \t]*(?:[,!]|[-–—][ \t])")
_CLAUSE_END = re.compile(r"[ \t]*[,!?.]")
_GREETING_NAME = re.compile(
    rf"^[ \t]*(?i:{_GREETING_WORD})[ \t,]+(?P<hon>(?i:mr|mrs|ms|miss|dr|prof)\.?[ \t]+)?"
    r"(?P<first>[A-Z][\w'’-]+)(?:[ \t]+(?P<last>[A-Z][\w'’-]+))?[ \t]*(?=[,!:.\n]|$)",
    re.MULTILINE,
)
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()]+[^\s<>\"'().,;:!?]")
_URL_PARAM = re.compile(r"[?&#][\w.-]+=([^&#\s]+)")
_URL_SEGMENT = re.compile(r"/([^/?#]+)")
_TLD_TAIL = re.compile(r"\.[a-z]{2,12}(?:\.[a-z]{2})?(?![\w-])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_LOCAL_SPLIT = re.compile(r"[._]+")
_LOCATION_TRIM = re.compile(r"^greater\s+|\s+(?:bay|metropolitan|metro)?\s*area$", re.IGNORECASE)
_SCHOOL_TRIM = re.compile(r"^(?:the\s+)?university\s+of\s+|\s+(?:university|college)$", re.IGNORECASE)
_TITLE_SPLIT = re.compile(r"\s+(?:at|@)\s+|\s*[|,]\s*|\s+-\s+")

NOT_NAMES = frozenset(
    "there all everyone everybody team friend friends folks guys sir madam customer valued member colleague "
    "colleagues hiring manager again both you ladies gentlemen partner user client future fellow".split()
)
_FREE_MAIL = frozenset(
    "gmail googlemail yahoo ymail hotmail outlook live msn icloud me mac aol proton protonmail gmx mail yandex "
    "fastmail hey pm zoho".split()
)
NAME_TYPES = ("full_name", "first_name", "last_name")
_PRIORITY = {t: i for i, t in enumerate(
    ("full_name", "first_name", "last_name", "company", "email", "url", "website", "title", "school", "location")
)}


def at_greeting(text: str, start: int, end: int, vocative: bool = True) -> bool:
    """Whether `text[start:end]` is the addressee of a greeting ("Hi Mark", or, with `vocative`,
    "Mark," opening a line)."""
    window = max(0, start - 40)  # a greeting prefix is short; never scan back a whole long line
    line_start = text.rfind("\n", window, start) + 1
    if line_start == 0 and window > 0:
        return False
    prefix = _GREET_PREFIX.fullmatch(text, line_start, start)
    if prefix is None:
        return False
    if prefix.group("word") is not None:
        return True
    return vocative and _VOCATIVE_AFTER.match(text, end) is not None


def addressed(text: str, start: int, end: int) -> bool:
    """The reader is spoken to: a greeting's addressee, or set off by commas ("Great post, noah!")."""
    if at_greeting(text, start, end):
        return True
    return text[max(0, start - 8):start].rstrip(" \t").endswith(",") and _CLAUSE_END.match(text, end) is not None


def lowered(text: str) -> str:
    """`text.lower()` with every offset kept (a few characters, like 'İ', grow when lower-cased)."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _case_ok(text: str, start: int, end: int, lower_text: bool, rule: str | None) -> bool:
    """Names must look like names ("Mark", "McDonald") and fields not be all lower-case,
    unless the text is all lower-case or the match is addressed to the reader ("hi mark,")."""
    value = text[start:end]
    if rule is None or lower_text:
        return True
    ok = value[0].isupper() and not value.isupper() if rule == "name" else not value.islower()
    return ok or addressed(text, start, end)


def _words_of(value: str | None) -> list[str]:
    return _HONORIFIC.sub("", value or "").split()


def _find(low: str, needle: str) -> Iterator[tuple[int, int]]:
    """Whole-word occurrences of a lower-cased needle."""
    if len(needle) < 2:
        return
    i = low.find(needle)
    while i != -1:
        j = i + len(needle)
        if (i == 0 or not low[i - 1].isalnum()) and (j == len(low) or not low[j].isalnum()):
            yield i, j
        i = low.find(needle, i + 1)


class _Identity:
    """The recipient's fields as lower-cased variants, given or inferred."""

    def __init__(self, person: Person, message: Message):
        self.inferred = False
        first, last = person.first_name, person.last_name
        words = _words_of(person.name)
        first = first or (words[0] if words else None)
        last = last or (words[-1] if len(words) > 1 else None)
        email = (person.email or "").lower()
        local, _, domain = email.partition("@")
        local = local.split("+")[0]
        if not first and local:
            parts = [p for p in _LOCAL_SPLIT.split(local) if p]
            if len(parts) >= 2 and all(p.isalpha() and len(p) > 1 for p in parts):  # jane.doe@, not info@
                first, last, self.inferred = parts[0], parts[-1], True
        if not first:
            found = _GREETING_NAME.search(message.text, message.body_start, message.body_start + 300)
            if found and not {w.lower() for w in found.group("first", "last") if w} & NOT_NAMES:
                if found.group("hon"):
                    last = found.group("last") or found.group("first")
                else:
                    first, last = found.group("first"), found.group("last") or last
                self.inferred = True
        self.first = (first or "").lower()
        self.last = (last or "").lower()
        self.full = {v.lower() for v in (" ".join(words), f"{first} {last}") if first and last and " " in v}
        company = _SUFFIX_STRIP.sub("", person.company or "").strip() or (person.company or "")
        self.companies = {c.lower() for c in (company, company[4:] if company.lower().startswith("the ") else "") if c}
        title = person.title or ""
        self.titles = {t.lower() for t in (title, _TITLE_SPLIT.split(title)[0]) if len(t) > 2}
        city = (person.location or "").split(",")[0]
        self.locations = {v.lower() for v in (person.location or "", city, _LOCATION_TRIM.sub("", city)) if len(v) > 2}
        school = person.school or ""
        self.schools = {v.lower() for v in (school, _SCHOOL_TRIM.sub("", school)) if len(v) > 3}
        self.email, self.local = email, local
        self.company_slugs = {
            slug for c in self.companies for slug in (_NON_ALNUM.sub("", c), _NON_ALNUM.sub("-", c)) if len(slug) > 2
        }
        self.domains = {domain} if domain and domain.split(".")[0] not in _FREE_MAIL else set()
        profile = (person.profile_url or "").rstrip("/").rsplit("/", 1)[-1].lower()
        self.url_slugs = {f"{self.first}{sep}{self.last}" for sep in "-_." if self.first and self.last}
        self.url_slugs |= {s for s in (profile, self.first + self.last if self.last else "") if len(s) > 3}
        self.url_values = {
            v for v in (self.first, self.last, email, local, *self.full, *self.company_slugs) if len(v) > 2
        }

    @property
    def empty(self) -> bool:
        fields = (self.companies, self.titles, self.locations, self.schools, self.url_slugs)
        return not (self.first or self.last or self.email or any(fields))


class IdentitySlots(Signal):
    """IDENTITY_SLOTS: where the text names the reader (name, company, title, place, a link made for them)."""

    code = "IDENTITY_SLOTS"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """The reader's details found in the text, as typed slots."""
        ident = _Identity(message.recipient, message)
        if ident.empty:
            return None
        text = message.text
        low = lowered(text)
        lower_text = message.body == message.body.lower()
        cands: list[tuple[int, int, str]] = []

        def add(kind: str, needles, rule: str | None) -> None:
            for needle in needles:
                cands.extend((s, e, kind) for s, e in _find(low, needle)
                             if _case_ok(text, s, e, lower_text, rule))

        for s, e in _find(low, ident.first):
            if not _case_ok(text, s, e, lower_text, "name"):
                continue
            middle = _MIDDLE.match(text, e)
            if middle and ident.last and low.startswith(ident.last, middle.end()):
                last_end = middle.end() + len(ident.last)
                if last_end == len(low) or not low[last_end].isalnum():
                    cands.append((s, last_end, "full_name"))
            cands.append((s, e, "first_name"))
        add("full_name", ident.full, "name")
        add("last_name", [ident.last], "name")
        for s, e in (m for c in ident.companies for m in _find(low, c)):
            if _case_ok(text, s, e, lower_text, "field"):
                tail = _SUFFIX_TAIL.match(text, e)
                cands.append((s, tail.end() if tail else e, "company"))
        add("title", ident.titles, "field")
        add("location", ident.locations, "field")
        add("school", ident.schools, "field")
        add("email", [ident.email], None)
        if not ident.local.isalpha():
            add("email", [ident.local], None)
        add("website", ident.domains, None)
        for slug in ident.company_slugs:
            for s, e in _find(low, slug):
                tld = _TLD_TAIL.match(low, e)
                if tld and (s == 0 or low[s - 1] not in "@." or low[max(0, s - 4):s] == "www."):
                    cands.append((s, tld.end(), "website"))
        for m in _URL.finditer(text):
            url = m.group().lower()
            values = {unquote(v).lower() for v in _URL_PARAM.findall(url)}
            values |= {seg for seg in _URL_SEGMENT.findall(url) if len(seg) > 2}
            if any(slug in url for slug in ident.url_slugs) or values & ident.url_values:
                cands.append((m.start(), m.end(), "url"))

        slots = _choose(cands)
        if not slots:
            return None
        data = [{"type": k, "text": text[s:e], "start": s, "end": e} for s, e, k in slots]
        return self.hit(message, [(s, e) for s, e, _ in slots], slots=data, inferred=ident.inferred)


def _choose(cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Non-overlapping slots, longest first, then by type priority; returned in text order."""
    starts: list[int] = []
    chosen: list[tuple[int, int, str]] = []
    for s, e, k in sorted(set(cands), key=lambda c: (c[0] - c[1], _PRIORITY[c[2]], c[0])):
        i = bisect_left(starts, s)
        if (i == 0 or chosen[i - 1][1] <= s) and (i == len(chosen) or chosen[i][0] >= e):
            starts.insert(i, s)
            chosen.insert(i, (s, e, k))
    return chosen
