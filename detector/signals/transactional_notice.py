"""TRANSACTIONAL_NOTICE: the wording of order, shipping, billing and account notices.

A receipt or a tracking update greets the reader by name yet is honest machine mail, not a
template dressed as a note: the policy calls such mass-produced mail `bulk`, not `smile`, unless
the text model finds it closer to outreach. Parcel scams copy the same wording, so they land in
bulk too (never personal). Two phrases are needed: one ("your order") occurs in people's notes
as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from detector.message import Message
from detector.signals.base import Hit, Signal
from detector.signals.identity_slots import lowered

_KINDS = {
    "order": (r"order (?:#|no\.?|number|id)\s*:?\s*[\w-]*\d", r"order confirmation",
              r"(?:thank you|thanks) for (?:your order|your purchase|shopping)",
              r"your (?:order|purchase) (?:has|is|was|of)", r"items? (?:ordered|in your order)"),
    "shipping": (r"(?:has|have) (?:been )?(?:shipped|dispatched|delivered)", r"out for delivery",
                 r"(?:track|tracking) (?:your )?(?:package|parcel|order|shipment)", r"tracking (?:number|#|id|link)",
                 r"estimated (?:delivery|arrival)",
                 r"(?:your|the) (?:\w+ )?(?:package|parcel|shipment|delivery) (?:is|was|has|could|will)",
                 r"(?:delivery|shipping|redelivery|customs) (?:fee|charge|attempt)"),
    "billing": (r"(?:receipt|invoice) (?:for|#|no\.?|number)", r"amount (?:due|paid|charged)",
                r"payment (?:received|confirmation|failed|declined)", r"(?:subtotal|total charged|order total)",
                r"billing (?:address|details|information)"),
    "account": (r"(?:verify|confirm|update) your (?:account|details|address|payment|identity|email)",
                r"(?:verification|security|one-time) code", r"password reset|reset your password",
                r"(?:sign|log)[ -]?in attempt"),
}
_PATTERN = re.compile(r"(?<!\w)(?:" + "|".join(f"(?P<{k}>{'|'.join(v)})" for k, v in _KINDS.items()) + ")")
_HINTS = ("order", "ship", "deliver", "track", "package", "parcel", "receipt", "invoice", "amount", "payment",
          "total", "billing", "fee", "charge", "your ", "code", "password", "in attempt", "arrival", "shopping",
          "customs")
"""Substrings every phrase contains: a few `in` tests spare most messages the regex scan."""


class TransactionalNotice(Signal):
    """TRANSACTIONAL_NOTICE: order, shipping, billing or account-notice wording."""

    code = "TRANSACTIONAL_NOTICE"

    def detect(self, message: Message, found: Mapping[str, Hit]) -> Hit | None:
        """Machine-notice wording (a receipt, a shipping note) by kind."""
        spans, kinds = [], {}
        low = lowered(message.text)
        if not any(hint in low for hint in _HINTS):
            return None
        for m in _PATTERN.finditer(low):
            spans.append(m.span())
            kinds[m.lastgroup] = kinds.get(m.lastgroup, 0) + 1
        if len(spans) < 2:
            return None
        return self.hit(message, spans, strength=min(1.0, 0.5 * len(kinds)), kinds=kinds)
