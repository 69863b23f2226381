"""OUTREACH_PATTERNS: the stock phrases of cold outreach sequences, grouped by what they do.

Sequencing playbooks reuse a small repertoire (flattery opener, meeting ask, bump,
"personal video", break-up sign-off, value pitch); several different kinds in one message
is the template's fingerprint, so strength grows with the number of distinct kinds.
Phrases tolerate missing punctuation and apostrophes, as in ASR transcripts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal
from detector.signals.identity_slots import lowered

_CONTENT = (
    r"(?:post|article|podcast|talk|work|book|content|profile|video|newsletter|blog|website|company|page|episode"
    r"|webinar|keynote|interview)"
)
_YOURE = r"(?:you\s?'?re|you are)"
_CALENDAR = r"calendly\.com|\bcal\.com/|meetings\.hubspot\.com|hubspot\.com/meetings|chilipiper\.com|savvycal\.com"
_LEXICON = {
    "flattery": (
        r"(?:came|stumbled|ran) across your " + _CONTENT,
        r"(?:loved|enjoyed|really liked|(?:was|am|i'm) (?:really |so )?(?:impressed|inspired) by|resonated with me)"
        r" (?:reading )?your (?:recent |latest )?" + _CONTENT,
        r"(?:impressed|inspired|blown away) (?:by|with) (?:what " + _YOURE + r" (?:building|doing)|your"
        r" (?:work|profile|background|company|growth|journey|achievements|experience))",
        r"your (?:profile|background|work|company) (?:really )?(?:stood out|caught my (?:eye|attention))",
        r"(?:i've|i have|i've been|i have been) (?:been )?following your (?:work|journey|company|content|posts)",
        r"(?:big|huge) fan of your (?:work|content|company|posts)",
        r"saw (?:that )?" + _YOURE + r" (?:hiring|growing|expanding|scaling)",
        r"congrats on (?:the|your) (?:recent )?(?:funding|raise|round|series [a-d]|work anniversary)",
        r"(?:i was|i've been|was) (?:just )?reading your (?:recent |latest )?(?:" + _CONTENT[3:-1]
        + r"|case study|thoughts|take|piece)",
    ),
    "meeting_ask": (
        r"(?:\d{1,2}|ten|fifteen|twenty|thirty)[\s-]?(?:minutes?|mins?)(?: of your time| (?:next|this) week"
        r"| (?:quick |short |brief |intro |zoom |phone |video )?(?:call|chat|meeting|conversation|demo|zoom))",
        r"quick (?:call|chat|zoom|intro call|sync|demo|conversation)",
        r"open to (?:a |an )?(?:quick |brief |short )?(?:\w+[\s-]minute )?"
        r"(?:chat|call|conversation|meeting|demo|intro)",
        r"(?:would|are|do) you (?:be )?(?:open|available|free|up) (?:to|for) (?:a |an )?(?:quick |brief )?"
        r"(?:chat|call|connect|meeting|demo)",
        r"(?:hop|jump) on a (?:quick |short )?call",
        r"worth a (?:quick |short )?(?:chat|call|conversation)",
        r"(?:grab|find|book|pick) (?:a )?(?:time|slot) (?:on|in) (?:my|your) calendar",
        r"book (?:a )?time (?:here|below|directly)",
        r"how does your (?:calendar|schedule) look",
        r"book (?:a|your) (?:quick |short )?(?:call|demo|meeting)|schedule (?:a|your) (?:quick |short )?demo",
        r"(?:i'd|i would) love to (?:connect|set up a (?:call|time))",
        r"catch you for a (?:quick )?(?:minute|moment|second)",
        _CALENDAR,
    ),
    "bump": (
        r"floating (?:this|it) (?:back )?(?:up|to the top)",
        r"(?:just )?bumping (?:this|it|my)|bump(?:ing)? this (?:up|to the top)",
        r"circling back",
        r"following up on my (?:last|previous|earlier|prior) (?:email|note|message)",
        r"did you (?:get|have) a chance to",
        r"in case (?:this|my (?:last )?(?:email|message|note)) (?:got|was) (?:buried|lost|missed)",
        r"(?:haven't|have not|didn't|did not) hear(?:d)? back",
        r"resurfacing this|bringing this back to the top|touching base",
        r"i know " + _YOURE + r" (?:busy|swamped)",
        r"(?:i'll|i will) (?:check back|circle back|try you again|reach back out) (?:next|in|after|on|later)",
        r"(?:better|best) to (?:reconnect|reach out|follow up|touch base) (?:next|after|in|later)",
    ),
    "personal_video": (
        r"(?:made|recorded|created|filmed|put together|shot) (?:this|a|you a) "
        r"(?:short |quick |little |personal(?:ized)? |custom |\d+[\s-]second )*"
        r"(?:video|loom|clip)(?: (?:just|specifically|especially))? for you",
        r"personal(?:ized)? video",
        r"(?:video|loom) (?:i|we) (?:made|recorded|created) (?:just |specifically |especially )?for you",
        r"as you can see,? (?:here |right here )?(?:i'm |i am )?(?:on|looking at) "
        r"(?:your|\S+\.(?:com|io|co|ai|net|org))",
        r"(?:i'm|i am) (?:on|looking at) your (?:website|site|homepage|linkedin|profile)",
        r"(?:hit|press) play|watch the (?:short |quick )?video (?:below|i made)",
        r"(?:just )?had to record (?:this|a (?:quick |short )?(?:video|loom))",
        r"(?:don't|do not) want to pitch you",
    ),
    "sequence_signoff": (
        r"if not you,? who",
        r"reply (?:with )?(?:a )?[\"\x27“‘]?(?:stop|unsubscribe|no thanks|1|2|3)\b",
        r"should i close (?:your|the|out your) (?:file|loop)",
        r"is (?:this|it) (?:even )?a priority",
        r"not interested\??,? (?:just )?(?:let me know|reply|tell me)",
        r"(?:are you|if " + _YOURE + r" not) the right person",
        r"(?:who is|who's) the (?:right|best) person",
        r"point me to the right person",
        r"(?:i'll|i will) (?:stop reaching out|take the hint|leave you alone|close (?:the loop|your file))",
        r"(?:i'll|i will) assume (?:you're|you are|this|it's|it is) not (?:interested|a priority|the right)",
        r"(?:this is|this will be) my (?:last|final) (?:email|note|message|attempt)",
        r"reply (?:yes|y)\b(?: and| if| to)",
        r"(?:are you|is \w+) (?:still )?the (?:best|right) (?:person|contact|point of contact)",
    ),
    "value_pitch": (
        r"we help (?:[\w-]++ ){1,4}(?:like|such as) (?:yourself|yours|you|\w+)",
        r"(?:helped|help|helping) (?:companies|businesses|teams|brands|clients|founders|agencies|startups)"
        r" (?:like|such as)",
        r"(?:increase|grow|boost|double|triple|10x|scale) your (?:revenue|sales|conversions|pipeline|roi|traffic"
        r"|leads|bookings|mrr|arr|business|audience)",
        r"(?:cut|reduce|lower|slash) (?:your )?(?:churn|costs?|cac|spend|ad spend) by",
        r"book (?:more|\d+\+?) (?:meetings|demos|calls|appointments)",
        r"(?:generate|get|drive) (?:you )?more (?:qualified )?(?:leads|meetings|appointments|pipeline)",
        r"(?:save|saving) (?:you|your team) (?:\d+|hours)",
        r"(?:a few|some|a couple of) things (?:we|i) could (?:improve|fix|help with)",
        r"(?:companies|teams) (?:similar to|like) yours",
        r"helps (?:[\w&-]++ ){1,6}like you",
        r"still interested in (?:lowering|reducing|cutting|growing|improving|saving|getting)",
        r"(?:lower|reduce|cut) (?:your |[\w&-]++(?: [\w&-]++){0,3}'s )?(?:card |credit card |merchant )?processing fees",
        r"(?:that's|that is) (?:exactly |literally )?what we (?:help (?:with|solve)|do|solve)",
        r"(?:send|get) you a (?:quick |free )?(?:quote|audit|proposal)",
        r"(?:so )?(?:i'll|i will) (?:get|cut) (?:right )?to the point",
        r"(?:i know|i'm sure) you (?:probably )?get (?:a lot|tons|dozens) of "
        r"(?:these|emails like this|messages like this)",
    ),
}


def _compile(lexicon: dict[str, tuple[str, ...]]) -> re.Pattern:
    """One pass over lower-cased text, a named group per kind (much faster than a pattern per
    kind). Spaces match any run of spaces/punctuation and apostrophes are optional (ASR text)."""
    groups = "|".join(f"(?P<{kind}>{'|'.join(phrases)})" for kind, phrases in lexicon.items())
    return re.compile(r"(?<!\w)(?:" + groups.replace(" ", r"[\s,.\-–—]++").replace("'", "['’]?") + ")")


_PATTERN = _compile(_LEXICON)
_CALENDAR_LINK = re.compile(_CALENDAR, re.IGNORECASE)


class OutreachPatterns(Signal):
    """OUTREACH_PATTERNS: stock phrases of cold-outreach sequences."""

    code = "OUTREACH_PATTERNS"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """Stock outreach phrases, with how many kinds were found as strength."""
        spans, kinds = [], {}
        for m in _PATTERN.finditer(lowered(message.text)):
            spans.append(m.span())
            kinds[m.lastgroup] = kinds.get(m.lastgroup, 0) + 1
        calendar = sum(1 for link in message.links if _CALENDAR_LINK.search(link))
        if calendar:
            kinds["meeting_ask"] = kinds.get("meeting_ask", 0) + calendar
        if not kinds:
            return None
        return self.hit(message, spans, strength=min(1.0, 0.25 + 0.25 * len(kinds)), kinds=kinds)
