"""The two rules above the policy blend: conclusive signals decide alone; too little text leans personal."""

import pytest

from detector.policy import Policy
from detector.signals import Hit

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
