"""The reason catalogue is the one place a code's metadata lives: every code the engine can emit is in it."""

from __future__ import annotations

import pytest

from detector.reasons import ADDRESSING_CODES, CONCLUSIVE_CODES, FIXED_WEIGHTS, REASONS, reason
from detector.signals import SignalRegistry, default_registry
from detector.signals.base import CODE_PATTERN, Signal
from detector.signals.too_little_text import MIN_WORDS


def test_every_signal_has_an_entry_and_reads_its_description_from_it():
    registry = default_registry()
    for signal in registry:
        assert signal.description == REASONS[signal.code].description
    assert f"under {MIN_WORDS} words" in registry["TOO_LITTLE_TEXT"].description


def test_codes_are_stable_upper_snake_and_flags_are_consistent():
    for code, entry in REASONS.items():
        assert CODE_PATTERN.match(code) and entry.code == code and entry.description
        if entry.verdict is not None:
            assert not entry.scored and entry.always_shown and entry.verdict in ("personal", "smile", "bulk")
        if entry.fixed_weight is not None:
            assert entry.scored
    assert set(CONCLUSIVE_CODES) == {"MERGE_TAG_LEFTOVER", "CAMPAIGN_COPY"}
    assert set(ADDRESSING_CODES) == {"MERGE_TAG_LEFTOVER", "MERGE_FALLBACK", "MERGE_GLITCH", "OUTREACH_PATTERNS"}
    assert FIXED_WEIGHTS == {"CAMPAIGN_COPY": 4.0, "SYNTHETIC_VOICE": 2.5, "VOICE_CAMPAIGN_COPY": 4.0}


def test_a_signal_without_a_catalogue_entry_is_refused_with_where_to_add_it():
    class Unlisted(Signal):
        code = "NOT_IN_THE_CATALOGUE"

    with pytest.raises(ValueError, match="detector/reasons.py"):
        SignalRegistry([Unlisted()])
    with pytest.raises(KeyError, match="detector/reasons.py"):
        reason("NOT_IN_THE_CATALOGUE")
