"""SENDER_TOOL_TRACES: fingerprints of the sequencing / mail-merge tool that sent the message.

A note typed in a mail client carries no campaign headers, open-tracking pixel or
click-tracking redirects; outreach tools add them to every copy. Only header names and
link kinds are reported (never URLs, which often carry the reader's address). Honest
list mail declares itself with List-Unsubscribe, reported apart as `list_unsubscribe`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal
from detector.signals.identity_slots import lowered

_TOOL_HEADER = re.compile(
    r"x-(?:campaign|mailgun|sg-|sendgrid|outreach|lemlist|apollo|mailchimp|mc-|mandrill|hs-|hubspot|salesloft"
    r"|mailshake|yesware|mixmax|gmass|woodpecker|instantly|smartlead|ses-|msys-|mailjet|mj-|sib-|mkto-|pardot"
    r"|klaviyo|csa-complaints|feedback-id)"
)
_LIST_HEADERS = ("list-unsubscribe", "list-unsubscribe-post", "list-id", "feedback-id")
_BULK_PRECEDENCE = re.compile(r"\b(bulk|list|junk)\b", re.IGNORECASE)
_MAILER_TOOL = re.compile(
    r"mailchimp|sendgrid|hubspot|outreach|salesloft|lemlist|apollo|reply\.io|woodpecker|mailshake|yesware|mixmax"
    r"|gmass|mailmeteor|yamm|instantly|smartlead|klenty|saleshandy|quickmail|mailgun|amazon ses|sendinblue|brevo"
    r"|constant ?contact|campaign ?monitor|mautic|phplist|activecampaign|klaviyo|customer\.io|marketo|pardot|eloqua",
    re.IGNORECASE,
)
_HOST_KINDS = {
    host: kind
    for kind, hosts in (
        ("mailtrack", "mailtrack.io mltrk.io"),
        ("hubspot_link", "hubspotlinks.com track.hubspot.com hubspotemail.net hubs.ly hubs.la hubs.li"),
        ("sendgrid_click", "sendgrid.net"),
        ("mailchimp_click", "list-manage.com mailchi.mp"),
        ("mailgun_click", "mailgun.org"),
        ("sequence_tool_link", "outreach.io salesloft.com lemlist.com apollo.io yesware.com mixmax.com "
                               "mailshake.com reply.io woodpecker.co instantly.ai smartlead.ai gmass.co "
                               "saleshandy.com klenty.com quickmail.io"),
        ("video_outreach_tool", "vidyard.com sendspark.com tavus.io bonjoro.com hippovideo.io dubb.com "
                                "bombbomb.com covideo.com"),
        ("shortener", "bit.ly tinyurl.com ow.ly lnkd.in buff.ly rebrand.ly cutt.ly is.gd t.co short.io bl.ink "
                      "shorturl.at tiny.cc rb.gy"),
    )
    for host in hosts.split()
}
"""Link hosts (or their parent domains) of tracking, sequencing and personal-video-at-scale tools."""
_HOST = re.compile(r"(?:[a-z][a-z0-9+.-]*:)?/*([^/?#:\s]*)")
_LINK_PATH = re.compile(
    r"(?=[/?&])(?:(?P<utm>[?&]utm_[a-z]+=)|(?P<click_redirect>/(?:track|t|ls)/click|/click\?"
    r"|[?&](?:redirect|redir|url|target)=https?)|(?P<hubspot_link>/e3t/)|(?P<mailgun_click>//email\.mg\.))"
)
_WEAK = frozenset(("utm", "shortener", "click_redirect", "list-id", "precedence:list"))
"""Traces ordinary newsletters and people's shared links also carry."""
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'()]+[^\s<>\"'().,;:!?]")
_FOOTER = re.compile(
    r"(?<!\w)(?:(?P<unsubscribe_footer>unsubscribe\b|opt[ -]out\b"
    r"|(?:manage|update) (?:your )?(?:email |subscription )?preferences"
    r"|you(?:'re| are) receiving this (?:\w+ )?because)"
    r"|(?P<view_in_browser>view (?:this email |it )?in (?:your |a )?(?:web )?browser)"
    r"|(?P<sent_with_tool>(?:sent|delivered|powered) (?:with|via|using|by) (?:mixmax|yesware|mailshake|hubspot|lemlist"
    r"|outreach|salesloft|apollo|gmass|mailmeteor|streak|mailtrack|sendspark|vidyard|bonjoro|tavus|mailchimp)))"
)
"""Footers mail tools append; matched on lower-cased text."""
_FOOTER_HINTS = ("unsubscribe", "opt", "preferences", "receiving this", "browser", "sent ", "delivered ", "powered ")
"""Substrings every footer contains: a few `in` tests spare most messages the regex scan."""


def _link_kinds(url: str) -> set[str]:
    low = url.lower()
    host = _HOST.match(low.removeprefix("pixel:")).group(1).split(".")
    kinds = {_HOST_KINDS[d] for d in (".".join(host[i:]) for i in range(len(host) - 1)) if d in _HOST_KINDS}
    kinds.update(m.lastgroup for m in _LINK_PATH.finditer(low))
    return kinds


class SenderToolTraces(Signal):
    """SENDER_TOOL_TRACES: headers, pixels and links a mail-merge or sequencing tool leaves."""

    code = "SENDER_TOOL_TRACES"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """Traces of a sending tool in headers and links."""
        traces: set[str] = set()
        for name, value in message.headers.items():
            if _TOOL_HEADER.match(name) or name in _LIST_HEADERS:
                traces.add(name)
            elif name == "precedence" and (bulk := _BULK_PRECEDENCE.search(value)):
                traces.add("precedence:" + bulk.group(1).lower())
            elif name in ("x-mailer", "user-agent") and (tool := _MAILER_TOOL.search(value)):
                traces.add(f"{name}:" + tool.group().lower().replace(" ", ""))
        for link in message.links:
            if link.startswith("pixel:"):
                traces.add("tracking_pixel")
            traces.update(_link_kinds(link))
        spans = []
        for m in _URL.finditer(message.text):
            kinds = _link_kinds(m.group())
            if kinds:
                spans.append(m.span())
                traces.update(kinds)
        low = lowered(message.text)
        for m in _FOOTER.finditer(low) if any(h in low for h in _FOOTER_HINTS) else ():
            spans.append(m.span())
            traces.add(m.lastgroup)
        if not traces:
            return None
        strength = 0.5 if traces <= _WEAK else 1.0
        return self.hit(
            message, spans, strength=strength, traces=sorted(traces), list_unsubscribe="list-unsubscribe" in traces
        )
