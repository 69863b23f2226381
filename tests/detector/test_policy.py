"""The policy: the blend, the rules above it (a user's rule sets the verdict; conclusive signals decide alone;
too little text leans personal), smile versus bulk, voice hits, and loading policy files."""

import math
import re
from pathlib import Path

import pytest

from detector.policy import Policy, PolicyError
from detector.reasons import ADDRESSING_CODES, FIXED_WEIGHTS, REASONS
from detector.signals import Hit, default_registry

POLICY = Policy.from_dict({"version": "t", "intercept": -0.5, "threshold": 0.8,
                           "weights": {"TEXT_MODEL": 1.2, "MERGE_TAG_LEFTOVER": 4.0, "SHARED_HISTORY": -1.0,
                                       "TRANSACTIONAL_NOTICE": 1.0}})
PERSONAL_LEAN = {"personal": 0.99, "smile": 0.005, "bulk": 0.005}
MASS_LEAN = {"personal": 0.01, "smile": 0.98, "bulk": 0.01}


def test_an_unfilled_merge_tag_decides_whatever_the_text_model_says():
    hits = {"MERGE_TAG_LEFTOVER": Hit("MERGE_TAG_LEFTOVER"),
            "PERSONALIZATION_DEPTH": Hit("PERSONALIZATION_DEPTH", strength=0.0, data={"depth": "deep"})}
    decision = POLICY.decide(PERSONAL_LEAN, hits)
    assert decision.verdict == "smile" and decision.score >= POLICY.threshold
    assert set(decision.contributions) == {"MERGE_TAG_LEFTOVER"}  # the overruled leans are not shown as counting


def test_a_campaign_copy_to_several_readers_decides_but_a_weak_one_does_not():
    strong = {"CAMPAIGN_COPY": Hit("CAMPAIGN_COPY", strength=1.0, data={"impersonal": False})}
    weak = {"CAMPAIGN_COPY": Hit("CAMPAIGN_COPY", strength=0.0, data={"impersonal": False})}
    assert POLICY.decide(PERSONAL_LEAN, strong).verdict != "personal"
    assert POLICY.decide(PERSONAL_LEAN, weak).verdict == "personal"


@pytest.mark.parametrize("words", [1, 3, 5])
def test_too_little_text_leans_personal_however_sure_the_model_is(words):
    hits = {"TOO_LITTLE_TEXT": Hit("TOO_LITTLE_TEXT", strength=0.0, data={"words": words})}
    decision = POLICY.decide(MASS_LEAN, hits)
    assert decision.verdict == "personal" and decision.score < POLICY.threshold
    full = POLICY.decide(MASS_LEAN, {}).contributions["TEXT_MODEL"]
    assert decision.contributions["TEXT_MODEL"] == pytest.approx(full * words / 6)


def test_too_little_text_with_a_merge_tag_is_still_conclusive():
    hits = {"TOO_LITTLE_TEXT": Hit("TOO_LITTLE_TEXT", strength=0.0, data={"words": 2}),
            "MERGE_TAG_LEFTOVER": Hit("MERGE_TAG_LEFTOVER")}
    assert POLICY.decide(PERSONAL_LEAN, hits).verdict == "smile"


def test_a_transactional_notice_naming_the_reader_is_bulk_not_smile():
    slots = {"IDENTITY_SLOTS": Hit("IDENTITY_SLOTS", strength=0.0, data={"slots": [{"type": "first_name"}]})}
    notice = {**slots, "TRANSACTIONAL_NOTICE": Hit("TRANSACTIONAL_NOTICE", strength=1.0, data={"kinds": {}})}
    assert POLICY.decide(MASS_LEAN, slots).verdict == "smile"
    assert POLICY.decide(MASS_LEAN, notice).verdict == "bulk"
    pitch = {**notice, "OUTREACH_PATTERNS": Hit("OUTREACH_PATTERNS", strength=0.5, data={"kinds": {}})}
    assert POLICY.decide(MASS_LEAN, pitch).verdict == "smile"


BULK_LEAN = {"personal": 0.01, "smile": 0.01, "bulk": 0.98}


def test_the_score_is_the_logistic_of_the_intercept_and_the_weighted_evidence():
    hits = {"OUTREACH_PATTERNS": Hit("OUTREACH_PATTERNS", strength=0.5, data={"kinds": {}})}
    decision = POLICY.decide(MASS_LEAN, hits)
    text = 1.2 * math.log(0.99 / 0.01)
    assert decision.contributions == pytest.approx({"TEXT_MODEL": text})  # OUTREACH_PATTERNS has no weight here
    assert decision.score == pytest.approx(1 / (1 + math.exp(-(-0.5 + text))))
    weighted = Policy.from_dict({**POLICY.as_dict(), "weights": {**POLICY.weights, "OUTREACH_PATTERNS": 2.0}})
    assert weighted.decide(MASS_LEAN, hits).contributions["OUTREACH_PATTERNS"] == pytest.approx(1.0)  # 2.0 x strength 0.5


def test_shared_history_lowers_the_score_and_can_keep_a_message_personal():
    deep = {"PERSONALIZATION_DEPTH": Hit("PERSONALIZATION_DEPTH", strength=0.0, data={"depth": "deep"})}
    lean = {"personal": 0.12, "smile": 0.78, "bulk": 0.1}
    assert POLICY.decide(lean, {}).verdict == "smile"
    with_history = POLICY.decide(lean, deep)
    assert with_history.contributions["SHARED_HISTORY"] == -1.0 and with_history.verdict == "personal"


def test_informational_signals_are_shown_but_never_scored():
    slots = {"IDENTITY_SLOTS": Hit("IDENTITY_SLOTS", strength=1.0, data={"slots": [{"type": "company"}]})}
    assert set(POLICY.decide(MASS_LEAN, slots).contributions) == {"TEXT_MODEL"}
    for code in ("IDENTITY_SLOTS", "TOO_LITTLE_TEXT", "TEXT_TRUNCATED", "USER_ALLOWED_SENDER", "USER_DENIED_SENDER"):
        assert not REASONS[code].scored


def test_mass_produced_mail_that_addresses_nobody_is_bulk_and_one_that_greets_the_reader_is_smile():
    assert POLICY.decide(BULK_LEAN, {}).verdict == "bulk"
    for code in ADDRESSING_CODES:
        assert POLICY.decide(BULK_LEAN, {code: Hit(code, strength=0.0)}).verdict == "smile", code
    named = {"IDENTITY_SLOTS": Hit("IDENTITY_SLOTS", strength=0.0, data={"slots": [{"type": "first_name"}]})}
    company = {"IDENTITY_SLOTS": Hit("IDENTITY_SLOTS", strength=0.0, data={"slots": [{"type": "company"}]})}
    assert POLICY.decide(BULK_LEAN, named).verdict == "smile"
    assert POLICY.decide(BULK_LEAN, company).verdict == "bulk"  # a company name alone dresses nothing up


def test_an_honest_list_is_bulk_unless_the_model_finds_it_closer_to_outreach():
    unsubscribe = {"SENDER_TOOL_TRACES": Hit("SENDER_TOOL_TRACES", strength=0.5, data={"list_unsubscribe": True}),
                   "MERGE_FALLBACK": Hit("MERGE_FALLBACK")}
    assert POLICY.decide(BULK_LEAN, unsubscribe).verdict == "bulk"
    assert POLICY.decide(MASS_LEAN, unsubscribe).verdict == "smile"


@pytest.mark.parametrize(("code", "verdict"), [("USER_ALLOWED_SENDER", "personal"), ("USER_DENIED_SENDER", "smile")])
@pytest.mark.parametrize("probs", [PERSONAL_LEAN, MASS_LEAN, BULK_LEAN])
def test_a_users_rule_sets_the_verdict_and_leaves_the_score_alone(code, verdict, probs):
    hits = {"MERGE_TAG_LEFTOVER": Hit("MERGE_TAG_LEFTOVER")} if probs is BULK_LEAN else {}
    plain = POLICY.decide(probs, hits)
    ruled = POLICY.decide(probs, {**hits, code: Hit(code, data={"rule": "x"})})
    assert ruled.verdict == verdict == REASONS[code].verdict
    assert ruled.score == plain.score and ruled.contributions == plain.contributions


def test_voice_hits_are_scored_with_the_catalogues_fixed_weights():
    assert POLICY.weights["SYNTHETIC_VOICE"] == FIXED_WEIGHTS["SYNTHETIC_VOICE"] == 2.5
    assert POLICY.weights["VOICE_CAMPAIGN_COPY"] == FIXED_WEIGHTS["VOICE_CAMPAIGN_COPY"] == 4.0
    mom = {"personal": 0.95, "smile": 0.03, "bulk": 0.02}
    synthetic = {"SYNTHETIC_VOICE": Hit("SYNTHETIC_VOICE", strength=0.9, data={"probability": 0.99})}
    alone = POLICY.decide(mom, synthetic)
    assert alone.contributions["SYNTHETIC_VOICE"] == pytest.approx(2.25)
    assert alone.verdict == "personal"  # a synthetic voice alone does not outvote a personal text
    dropped = {**synthetic, "VOICE_CAMPAIGN_COPY": Hit("VOICE_CAMPAIGN_COPY", data={"explanation": "x"})}
    assert POLICY.decide(mom, dropped).verdict == "smile"  # the same recording left for several people
    one_person = {"VOICE_CAMPAIGN_COPY": Hit("VOICE_CAMPAIGN_COPY", strength=0.0, data={"explanation": "x"})}
    assert "VOICE_CAMPAIGN_COPY" not in POLICY.decide(mom, one_person).contributions


def test_a_policy_file_keeps_its_own_weights_and_gets_the_fixed_ones_it_lacks():
    tuned = Policy.from_dict({"version": "v", "intercept": 0.0, "threshold": 0.5,
                              "weights": {"TEXT_MODEL": 1.0, "SYNTHETIC_VOICE": 1.0}})
    assert tuned.weights["SYNTHETIC_VOICE"] == 1.0
    assert list(tuned.weights) == ["TEXT_MODEL", "SYNTHETIC_VOICE", "CAMPAIGN_COPY", "VOICE_CAMPAIGN_COPY"]
    assert Policy.from_dict(tuned.as_dict()) == tuned


@pytest.mark.parametrize(("data", "message"), [
    ([], "must be a mapping"),
    ({"version": "v", "intercept": 0.0, "weights": {}}, "missing threshold"),
    ({"version": "v", "intercept": 0.0, "weights": {"TEXT_MODEL": "high"}, "threshold": 0.5}, "'weights' must map"),
    ({"version": "v", "intercept": 0.0, "weights": {}, "threshold": 1.0}, "'threshold' must be in (0, 1)"),
])
def test_a_broken_policy_file_is_a_clear_error(data, message):
    with pytest.raises(PolicyError, match=re.escape(message)):
        Policy.from_dict(data, "policy.yaml")


def test_the_shipped_policies_load_and_know_every_scored_signal():
    for name in ("default", "fused"):
        policy = Policy.load(Path(__file__).parents[2] / "detector" / "bundles" / name / "policy.yaml")
        scored = {code for code in default_registry().codes if REASONS[code].scored}
        assert scored <= set(policy.weights) and set(FIXED_WEIGHTS) <= set(policy.weights)
