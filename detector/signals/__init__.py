"""The signal registry: every signal's code and detector, in run order (descriptions: detector.reasons)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from detector.message import Message
from detector.reasons import REASONS
from detector.signals.base import CODE_PATTERN, Evidence, Hit, Signal, identity_slots


class SignalRegistry:
    """The signals to run, in dependency order, each code once and in the reason catalogue."""

    def __init__(self, signals: Iterable[Signal] = ()):
        self._signals: dict[str, Signal] = {}
        for signal in signals:
            self.add(signal)

    def add(self, signal: Signal) -> None:
        """Register a signal after those it reads; a bad, repeated or uncatalogued code is refused."""
        if not CODE_PATTERN.match(signal.code):
            raise ValueError(f"signal code {signal.code!r} is not UPPER_SNAKE")
        if signal.code not in REASONS:
            raise ValueError(f"signal code {signal.code} has no entry in the reason catalogue (detector/reasons.py)")
        if signal.code in self._signals:
            raise ValueError(f"signal code {signal.code} is registered twice")
        missing = [c for c in signal.requires if c not in self._signals]
        if missing:
            raise ValueError(f"{signal.code} requires {missing}, which must be registered first")
        self._signals[signal.code] = signal

    @property
    def codes(self) -> tuple[str, ...]:
        """The registered codes in run order."""
        return tuple(self._signals)

    def __getitem__(self, code: str) -> Signal:
        return self._signals[code]

    def __iter__(self):
        return iter(self._signals.values())

    def run(self, message: Message) -> dict[str, Hit]:
        """Every signal's hit on the message, keyed by code (signals that found nothing are absent)."""
        found: dict[str, Hit] = {}
        for signal in self._signals.values():
            hit = signal.detect(message, found)
            if hit is not None:
                found[signal.code] = hit
        return found


def default_registry() -> SignalRegistry:
    """All signals shipped with Sincere, in dependency order."""
    from detector.signals.identity_slots import IdentitySlots
    from detector.signals.merge_fallback import MergeFallback
    from detector.signals.merge_glitch import MergeGlitch
    from detector.signals.merge_tags import MergeTagLeftover
    from detector.signals.outreach_patterns import OutreachPatterns
    from detector.signals.personalization_depth import PersonalizationDepth
    from detector.signals.sender_tool_traces import SenderToolTraces
    from detector.signals.too_little_text import TooLittleText
    from detector.signals.transactional_notice import TransactionalNotice

    return SignalRegistry(
        [
            MergeTagLeftover(),
            IdentitySlots(),
            MergeFallback(),
            MergeGlitch(),
            OutreachPatterns(),
            SenderToolTraces(),
            PersonalizationDepth(),
            TransactionalNotice(),
            TooLittleText(),
        ]
    )


__all__ = ["Evidence", "Hit", "Signal", "SignalRegistry", "default_registry", "identity_slots", "Mapping"]
