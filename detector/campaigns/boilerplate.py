"""What a sender repeats in every message, whoever it is to: left out of the campaign skeleton.

A colleague's notes share his signature block, his firm's legal disclaimer, a mailing list's
footer, attachment notes and the headers of what he passed on. Two different notes from him
(or from two people at one firm) then look alike although nothing in them was mass-produced,
so only the writer's own wording is fingerprinted. Removed parts are blanked, not cut out, so
the offsets of identity slots still index the text.
"""

from __future__ import annotations

import re

_PASSED_ON = re.compile(
    r"-{3,}\s*(?:forwarded by|original message|forwarded message)"
    r"|^[ \t>]*from:[^\n]*\n[^\n]*\b(?:sent|to|date):"
    r"|^[ \t>]*(?:to|cc|subject|sent|date):[^\n]*\n(?:[^\n]*\n)?[ \t>]*(?:cc|subject|sent|date):"
    r"|^[^\n]{1,60}\n[ \t]*\d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}(?::\d{2})? ?[ap]m[ \t]*$",
    re.IGNORECASE | re.MULTILINE)
_PASSED_ON_DATED = re.compile(r"\bon \d{1,2}/\d{1,2}/\d{2,4},? \d{1,2}:\d{2}", re.IGNORECASE)
"""Where a forwarded or quoted message starts that the quote splitter left in the text (Outlook
and Lotus Notes headers, "X on 03/14/2001 12:32 pm", the latter within PASSED_ON_WITHIN characters
of its line's start): what was passed on is someone else's text."""
PASSED_ON_WITHIN = 80

_FOOTER = re.compile(
    r"^[ \t>*]*(?:"
    r"this (?:e-?mail|message|communication|transmission)\b[^\n]{0,60}\b(?:is|are|may be|contains?)"
    r"\b[^\n]{0,40}\b(?:confidential|privileged|property|intended)"
    r"|the information (?:contained )?in this (?:e-?mail|message|communication|transmission)"
    r"|(?:confidentiality|legal) (?:notice|disclaimer)|disclaimer:|privileged (?:and|&) confidential"
    r"|if you (?:are not|have received this)[^\n]{0,30}(?:intended recipient|in error)"
    r"|visit our (?:web ?site|home ?page) at"
    r"|_{10,}[ \t]*\n[^\n]*(?:mailing list|list ?info|unsubscribe)"
    r"|do you yahoo!?|yahoo! groups|get your (?:private, )?free (?:e-?mail|@?yahoo)|sent from my \w+"
    r")",
    re.IGNORECASE | re.MULTILINE)
_FOOTER_LIST = re.compile(
    r"\b(?:to unsubscribe|unsubscribe:|you (?:are|were) (?:currently )?subscribed|"
    r"you received this (?:message|e-?mail) because you are subscribed|mailman/listinfo)",
    re.IGNORECASE)
"""Legal disclaimers, list and webmail footers (list notices within FOOTER_LIST_WITHIN characters of
their line's start, after any quote marks): the rest of the message from there is not the writer's."""
FOOTER_LIST_WITHIN = 40
_QUOTE_MARKS = " \t>*"

_ATTACHMENT = re.compile(
    r"\(see attached file:[^)]*\)"
    r"|^[ \t]*-[ \t]*[^\n]{1,80}\.(?:xls|xlsx|doc|docx|pdf|ppt|pptx|txt|zip|jpg|gif|png|csv|rtf|htm|html)[ \t]*$"
    r"|<<[^>\n]{1,80}\.\w{2,4}>>",
    re.IGNORECASE | re.MULTILINE)
"""Attachment notes a mail client writes ("(see attached file: hplo 215.xls)", "- report.doc")."""

_CONTACT = re.compile(
    r"\(?\d{3}\)?[ .-]?\d{3}[ .-]\d{4}\b|\b\d{3}[ .-]\d{4}\b|[\w.-]+@[\w-]+\.|www\.|https?://"
    r"|\b(?:tel|phone|fax|mobile|cell|pager|office|direct)\b\s*[:.)]",
    re.IGNORECASE)
"""A way to reach the sender: a phone number, an address, a site, a labelled number."""
SIGNATURE_LINES = 12
"""A signature block is at most this many non-blank lines at the end."""
SIGNATURE_LINE_CHARS = 1_000
"""A longer line is not part of a signature (and is not searched: _CONTACT costs its length squared
on a line without spaces, 3.6 s for one 1 MB word)."""
SIGNATURE_LINE_WORDS = 7
"""Lines of a signature block are this short, or name a contact in at most CONTACT_LINE_WORDS."""
CONTACT_LINE_WORDS = 12
_SIG_DELIM = re.compile(r"^-- ?$", re.MULTILINE)


def _blank(text: str, start: int, end: int) -> str:
    """Spaces over [start, end) except line breaks, so offsets and line structure stay."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _signature_start(text: str) -> int | None:
    """Start of the trailing block of short or contact lines that holds a contact line, if any."""
    lines = text.split("\n")
    offsets = [0]
    for line in lines[:-1]:
        offsets.append(offsets[-1] + len(line) + 1)
    start, seen, contact = None, 0, False
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            continue
        if len(line) > SIGNATURE_LINE_CHARS:
            break
        words = len(line.split())
        is_contact = words <= CONTACT_LINE_WORDS and bool(_CONTACT.search(line))
        if not (is_contact or words <= SIGNATURE_LINE_WORDS) or seen == SIGNATURE_LINES:
            break
        seen += 1
        contact |= is_contact
        start = offsets[i]
    return start if contact else None


def _line_near(text: str, pattern: re.Pattern, within: int, lead: str = "") -> int | None:
    r"""Start of the first line where `pattern` occurs at most `within` characters after the line's
    leading `lead` characters: what `^[lead]*[^\n]{0,within}pattern` finds with re.MULTILINE, without
    the backtracking that costs on every line."""
    for found in pattern.finditer(text):
        line = text.rfind("\n", 0, found.start()) + 1
        if len(text[line:found.start()].lstrip(lead)) <= within:
            return line
    return None


def _first(*starts: int | None) -> int | None:
    return min((s for s in starts if s is not None), default=None)


def own_text(text: str) -> str:
    """`text` with everything but the writer's own wording blanked (same length)."""
    for pattern, near in ((_PASSED_ON, (_PASSED_ON_DATED, PASSED_ON_WITHIN, "")),
                          (_FOOTER, (_FOOTER_LIST, FOOTER_LIST_WITHIN, _QUOTE_MARKS))):
        found = pattern.search(text)
        start = _first(found.start() if found else None, _line_near(text, *near))
        if start is not None:
            text = _blank(text, start, len(text))
    delimiter = _SIG_DELIM.search(text)
    if delimiter:
        text = _blank(text, delimiter.start(), len(text))
    for found in reversed(list(_ATTACHMENT.finditer(text))):
        text = _blank(text, found.start(), found.end())
    signature = _signature_start(text)
    if signature is not None:
        text = _blank(text, signature, len(text))
    return text
