"""MERGE_TAG_LEFTOVER: placeholders the mail-merge tool failed to fill (`[FIRST_NAME]`, `{{name}}`, ...).

Nobody types `*|FNAME|*` to a friend, so one leftover is decisive. Syntaxes that prose and
code also use (`[...]`, `{...}`, `%...%`, `$word`, `<<...>>`) count only when the content reads
like a contact field (UPPER_SNAKE, or a word such as name/company/title/city/product).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal

_TAG = re.compile(
    r"""
    (?=[{\[%<«*$\#])  # every syntax starts with one of these; checking first makes the scan ~20x faster
    (?:(?P<handlebars>\{\{\{?[ \t]*[#^/&]?[ \t]*\.?[A-Za-z_][^{}\n]{0,80}?\}?\}\})
    |(?P<liquid>\{%[ \t]*(?:if|unless|for|capture|assign)\b[^{}\n%]{1,60}%\})
    |(?P<salesforce>\{![ \t]*[A-Za-z_][\w.]{0,60}[ \t]*\})
    |(?P<interpolation>(?:[#$]\{|\{\$)[ \t]*(?P<interpolation_f>[A-Za-z_][\w.]{0,60})[ \t]*\})
    |(?P<mailchimp>\*\|[A-Z0-9_:]{2,40}(?:\|[^|\n]{0,40})?\|\*)
    |(?P<spintax>(?<![\w$#}\\^_])\{[^{}|\n]{1,40}(?:\|[^{}|\n]{0,40})+\}(?!\}))
    |(?P<curly>(?<![\w$#}\\^_])\{(?P<curly_f>[A-Za-z_][\w.]{1,40})\}(?!\}))
    |(?P<double_square>\[\[[ \t]*(?P<double_square_f>[A-Za-z_][\w .]{0,40}?)[ \t]*\]\])
    |(?P<square>(?<!\[)\[[ \t]*(?P<square_f>[A-Za-z][\w '’.-]{0,40}?)[ \t]*\](?![\](]))
    |(?P<percent>(?<![\w%])%%?(?P<percent_f>[A-Za-z][A-Za-z0-9_]{1,40})%%?(?![\w%]))
    |(?P<angle>(?:<<|«)(?P<angle_f>[A-Za-z](?:[\w .]{0,40}[\w.])?)(?:>>|»))
    |(?P<dollar>(?<![\w$])\$(?P<dollar_f>[A-Za-z_][A-Za-z0-9_]{1,40})\b(?![$:])))
    """,
    re.VERBOSE,
)
_FIELD_CHECKED = frozenset(("interpolation", "curly", "double_square", "square", "percent", "angle", "dollar"))
_BARE_FIELD = re.compile(
    r"\b(?:hi|hey|hello|hiya|dear)[\s,]+(first[ _]?name|fname|contact\.first_?name)\b"
    r"|(?<![\w./@=&?{\[<|%*$#-])((?:first|last|full|company|job)_(?:name|title))(?![\w./@=&}\]>|%*-])",
    re.IGNORECASE,
)
"""A tag flattened by ASR or copy-paste: "hey first_name quick video", "hi firstname"."""
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_UPPER_SNAKE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
FIELD_WORDS = frozenset(
    "name fname lname firstname lastname fullname surname nickname company companyname org "
    "organization organisation business title jobtitle job role position city town state country location "
    "region address zip product email phone mobile website url domain industry school university recipient "
    "prospect contact lead customer".split()
)
_VETO_WORDS = frozenset(
    "redacted withheld removed omitted deleted needed sic edited censored hidden changed "
    "a an the to of in on at for and or is was be by with from".split()
)
"""Words of prose in brackets ("[name withheld]", "[ to downgrade a company ]")."""
_SUBJECT_PREFIX = re.compile(r"(?:\s*(?:re|fwd?|aw|sv|wg)\s*:)*\s*", re.IGNORECASE)
_QUALIFIERS = frozenset("first last full your their his her recipient recipients prospect prospects contact".split())
"""Words that qualify a contact field inside one tag ("[First Name]", "[Your Company]")."""
_SPIN_OPTION = re.compile(r"[\w$€£][\w'’ ,.!?$€£%&+/-]{0,39}")


def _looks_like_field(content: str, syntax: str) -> bool:
    if syntax == "square" and _UPPER_SNAKE.fullmatch(content):  # [RECENTLY_VIEWED_PRODUCT]
        return True
    words = [w.lower() for w in _CAMEL.findall(content)]
    if not words or len(words) > 5 or any(w in _VETO_WORDS for w in words):
        return False
    return any(w in FIELD_WORDS for w in words)


def _list_tag(message: Message, start: int, content: str) -> bool:
    """A `[tag]` opening the subject (after Re:/Fwd:) names a mailing list (`[Python-dev]`, `[List-name]`)
    unless every word in it is a contact field or its qualifier (`[First Name]`, `[COMPANY]`)."""
    if message.body_start == 0 or start >= message.body_start:
        return False
    if start != _SUBJECT_PREFIX.match(message.text).end():
        return False
    words = [w.lower() for w in _CAMEL.findall(content)]
    return not (_UPPER_SNAKE.fullmatch(content) or all(w in FIELD_WORDS or w in _QUALIFIERS for w in words))


def _spintax(tag: str) -> bool:
    """`{Hi|Hello}`, `{bumping|floating}`, `{$1-3M|$3-8M}`: two or more worded options, not `{0|1}`."""
    options = tag[1:-1].split("|")
    worded = [o.strip() for o in options if o.strip()]
    return (len(worded) >= 2 and all(len(o) > 1 and _SPIN_OPTION.fullmatch(o) for o in worded)
            and any(c.isalpha() for c in tag))


class MergeTagLeftover(Signal):
    """MERGE_TAG_LEFTOVER: an unfilled placeholder such as [FIRST_NAME] or {{company}}."""

    code = "MERGE_TAG_LEFTOVER"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """Unfilled merge placeholders in the text."""
        spans, tags, syntaxes = [], [], set()
        for m in _TAG.finditer(message.text):
            syntax = m.lastgroup
            if syntax in _FIELD_CHECKED and not _looks_like_field(m.group(syntax + "_f"), syntax):
                continue
            if syntax == "square" and _list_tag(message, m.start(), m.group("square_f")):
                continue
            if syntax == "spintax" and not _spintax(m.group()):
                continue
            spans.append(m.span())
            tags.append(m.group())
            syntaxes.add(syntax)
        low = message.text.lower()
        for m in _BARE_FIELD.finditer(message.text) if "name" in low or "_title" in low else ():
            group = 1 if m.group(1) else 2
            spans.append(m.span(group))
            tags.append(m.group(group))
            syntaxes.add("bare")
        if not spans:
            return None
        return self.hit(message, spans, tags=tags, syntaxes=sorted(syntaxes))
