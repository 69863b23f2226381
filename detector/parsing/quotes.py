"""Separate the new text of a reply from the quoted earlier messages and the signature."""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterator
from dataclasses import dataclass

import quotequail
from quotequail._enums import Position
from quotequail._internal import extract_headers, find_pattern_on_line
from quotequail._patterns import (
    FORWARD_LINE,
    FORWARD_MESSAGES,
    HEADER_MAP,
    HEADER_RE,
    MAX_WRAP_LINES,
    MIN_HEADER_LINES,
    MIN_QUOTED_LINES,
)

_ORIGINAL = re.compile(
    r"^[^\S\n]*(-{2,}\s*original message\s*-{2,}|-{3,}\s*forwarded by|_{5,}\s*$|from:\s.+\n\s*(sent|date):)",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*>")
# Every pattern quotequail looks for contains one of these hints (see _candidate_lines). One
# case-insensitive alternation of all of them cost more than quotequail itself, so they are three
# searches: line starts, dates, and the words on the lower-cased text (lower() keeps line breaks).
# Leading space is matched within the line ([^\S\n]): `^\s*` ran over every following blank line
# from each line start, quadratic in blank lines (5,000 empty lines: 16 s).
_LINE_HINT = re.compile(r"^[^\S\n]*>|^(?:[^\S\n]|\*)*(?:" + "|".join(map(re.escape, HEADER_MAP)) + r")\s*\*?:",
                        re.IGNORECASE | re.MULTILINE)
_DATE_HINT = re.compile(r"\d{4}/\d{1,2}/\d{1,2}")
_WORD_HINT = re.compile("|".join(re.escape(word.lower()) for word in (
    "wrote", "schrieb", "écrit", "escribió", "написал", "skrev", "escreveu", "schreef", "geschreven",
    "border:none", FORWARD_LINE, *(re.sub(r"\[(\w)\w\]", r"\1", message) for message in FORWARD_MESSAGES))))
# Signature delimiters and the footers webmail services append (not written by the sender).
_SIG_DELIM = re.compile(
    r"^(-- ?|sent from my \w+.*|do you yahoo!\?.*|get your (?:private, )?free (?:e-?mail|@?yahoo).*)$",
    re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SplitBody:
    """A body in its parts: the new text (what is scored), the quoted earlier message and its author
    as the quote's header names them, and the signature."""

    new_text: str
    quoted: str | None
    signature: str | None
    quoted_author: str | None


def _cut_trailing_quote_lines(body: str) -> tuple[str, str | None]:
    lines = body.rstrip().splitlines()
    i = len(lines)
    while i > 0 and (_QUOTED_LINE.match(lines[i - 1]) or not lines[i - 1].strip()):
        i -= 1
    if i < len(lines) and any(_QUOTED_LINE.match(line) for line in lines[i:]):
        quoted = "\n".join(re.sub(r"^\s*>\s?", "", line) for line in lines[i:] if line.strip())
        return "\n".join(lines[:i]), quoted
    return body, None


def _starts_here(lines: list[str], n: int) -> bool:
    """Whether quotequail's search (`_internal.find_unwrap_start`) stops at line `n`."""
    line = lines[n]
    if not line.strip():
        return False
    if find_pattern_on_line(lines, n, MAX_WRAP_LINES, Position.End):
        return True
    if line.startswith(">"):
        quoted = 0
        for peek in lines[n:]:
            if peek.strip():
                if not peek.startswith(">"):
                    break
                quoted += 1
        if quoted >= MIN_QUOTED_LINES:
            return True
    return bool(HEADER_RE.match(line)) and len(extract_headers(lines[n:], MAX_WRAP_LINES)[0]) >= MIN_HEADER_LINES


def _hint_lines(text: str, pattern: re.Pattern) -> Iterator[int]:
    line, pos = 0, 0
    for hint in pattern.finditer(text):
        line += text.count("\n", pos, hint.start())
        pos = hint.start()
        yield line


def _candidate_lines(body: str, lines: list[str]) -> Iterator[int]:
    """The only lines quotequail's search can stop at, in order: a hint's line, the line before
    it (a pattern wraps over MAX_WRAP_LINES lines), and the run of header-like or blank lines
    above (headers are counted from the first header-like line)."""
    done = -1
    hints = heapq.merge(_hint_lines(body, _LINE_HINT), _hint_lines(body, _DATE_HINT),
                        _hint_lines(body.lower(), _WORD_HINT))
    for line in hints:
        if line <= done:
            continue
        first = max(done + 1, line - MAX_WRAP_LINES + 1)
        while first > done + 1 and (not lines[first - 1].strip() or HEADER_RE.match(lines[first - 1])):
            first -= 1
        yield from range(first, line + 1)
        done = line


def _unwrap(body: str) -> dict | None:
    """`quotequail.unwrap(body)` without its line-by-line search of the whole body.

    quotequail's search is slow on long messages, and only lines near a hint can stop it, so
    those are tried in order, quotequail is given the body from the first that does, and the
    text above is put back in front of `text_top` (same result, see tests).
    """
    if len(body) >= 200_000:
        return None
    lines = body.split("\n")
    start = next((n for n in _candidate_lines(body, lines) if _starts_here(lines, n)), None)
    if start is None:
        return None
    head = sum(len(line) + 1 for line in lines[:start])
    tail = body[head:]
    unwrapped = quotequail.unwrap(tail)
    if unwrapped is None:
        return None
    top = unwrapped.get("text_top", "")
    lead = len(tail) - len(tail.lstrip()) if top else 0
    unwrapped["text_top"] = body[: head + lead + len(top)].strip()
    if not unwrapped["text_top"]:
        del unwrapped["text_top"]
    return unwrapped


def split(body: str) -> SplitBody:
    """Cut the quoted reply or forward (quotequail's reading, else an "Original message" line, else
    trailing `>` lines), then the signature after a delimiter such as `-- `."""
    new_text, quoted, author = body, None, None
    unwrapped = _unwrap(body)
    if unwrapped and unwrapped.get("type") in ("reply", "forward") and unwrapped.get("text_top") is not None:
        new_text, quoted, author = unwrapped["text_top"], unwrapped.get("text") or None, unwrapped.get("from")
    else:
        match = _ORIGINAL.search(body)
        if match and match.start() > 0:
            new_text, quoted = body[: match.start()], body[match.start():].strip() or None
        else:
            new_text, quoted = _cut_trailing_quote_lines(body)
    signature = None
    sig = _SIG_DELIM.search(new_text)
    if sig and sig.start() > 0:
        new_text, signature = new_text[: sig.start()], new_text[sig.start():].strip() or None
    return SplitBody(new_text=new_text.rstrip(), quoted=quoted, signature=signature, quoted_author=author)


def quoted_author_is(split_body: SplitBody, recipient) -> bool | None:
    """Whether the quoted text was written by the recipient (None when the header names nobody)."""
    author = (split_body.quoted_author or "").lower()
    if not author:
        return None
    keys = [k.lower() for k in (recipient.email, recipient.name, recipient.first_name) if k]
    return any(k in author for k in keys) if keys else None
