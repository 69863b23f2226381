"""Separate the new text of a reply from the quoted earlier messages and the signature."""

from __future__ import annotations

import re
from dataclasses import dataclass

import quotequail
from quotequail._patterns import FORWARD_LINE, FORWARD_MESSAGES, HEADER_MAP

_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*original message\s*-{2,}|-{3,}\s*forwarded by|_{5,}\s*$|from:\s.+\n\s*(sent|date):)",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*>")
# Every pattern quotequail looks for contains one of these; its line-by-line search is slow on
# long messages, so a body without any of them skips it (same result, see tests).
_UNWRAP_HINT = re.compile(
    r"^\s*>|wrote|schrieb|écrit|escribió|написал|skrev|escreveu|schreef|geschreven|\d{4}/\d{1,2}/\d{1,2}"
    r"|border:none|" + re.escape(FORWARD_LINE) + "|" + "|".join(FORWARD_MESSAGES)
    + r"|^[\s*]*(?:" + "|".join(map(re.escape, HEADER_MAP)) + r")\s*\*?:",
    re.IGNORECASE | re.MULTILINE,
)
# Signature delimiters and the footers webmail services append (not written by the sender).
_SIG_DELIM = re.compile(
    r"^(-- ?|sent from my \w+.*|do you yahoo!\?.*|get your (?:private, )?free (?:e-?mail|@?yahoo).*)$",
    re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class SplitBody:
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


def split(body: str) -> SplitBody:
    new_text, quoted, author = body, None, None
    unwrapped = quotequail.unwrap(body) if len(body) < 200_000 and _UNWRAP_HINT.search(body) else None
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
