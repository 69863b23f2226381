"""The result builder: the contract's shape, which reasons are shown and in what order, evidence spans that
index the scored text, and the error result that never echoes the input."""

from __future__ import annotations

import pytest

from detector.contract import error_result
from detector.message import MAX_TEXT_CHARS, from_record
from detector.policy import Decision
from detector.reasons import REASONS
from detector.results import build_result
from detector.signals import Evidence, Hit, default_registry

RESULT_FIELDS = ["id", "score", "verdict", "reasons", "personalization", "campaign", "voice", "model_version", "error"]
REASON_FIELDS = {"code", "weight", "description", "evidence"}
RECORD = {"id": "r1", "channel": "email", "subject": "Quick question",
          "body": "Hi Dana, loved your post about Northwind. Open to a quick chat next week?",
          "recipient": {"name": "Dana Whitfield", "first_name": "Dana", "company": "Northwind"}}


@pytest.fixture(scope="module")
def scored():
    message = from_record(RECORD)
    return message, default_registry().run(message)


def _codes(result) -> list[str]:
    return [r["code"] for r in result["reasons"]]


def test_the_result_has_the_contracts_fields_and_types(scored):
    message, hits = scored
    decision = Decision(0.91234567, "smile", {"TEXT_MODEL": 2.0, "OUTREACH_PATTERNS": 1.2})
    result = build_result(message, hits, decision, "model-x", (Evidence.of(message.text, 0, 5),))
    assert list(result) == RESULT_FIELDS
    assert result["id"] == "r1" and result["score"] == 0.9123 and result["verdict"] == "smile"
    assert result["model_version"] == "model-x" and result["error"] is None
    assert result["campaign"] is None and result["voice"] is None
    for reason in result["reasons"]:
        assert set(reason) == REASON_FIELDS and reason["code"] in REASONS
        assert all(set(e) == {"start", "end", "text"} for e in reason["evidence"])
    assert set(result["personalization"]) == {"slots", "depth"}
    assert result["personalization"]["depth"] in ("none", "shallow", "deep")
    slots = result["personalization"]["slots"]
    assert slots and all(set(s) == {"type", "text", "start", "end"} for s in slots)
    assert {s["text"] for s in slots} >= {"Dana", "Northwind"}


def test_every_evidence_span_repeats_the_scored_text(scored):
    message, hits = scored
    decision = Decision(0.9, "smile", {"TEXT_MODEL": 2.0, "OUTREACH_PATTERNS": 1.2})
    result = build_result(message, hits, decision, "m", (Evidence.of(message.text, 0, 5),))
    spans = [e for r in result["reasons"] for e in r["evidence"]] + result["personalization"]["slots"]
    assert spans
    for span in spans:
        assert message.text[span["start"]:span["end"]] == span["text"]
    model = next(r for r in result["reasons"] if r["code"] == "TEXT_MODEL")
    assert model["evidence"] == [{"start": 0, "end": 5, "text": message.text[:5]}]


def test_reasons_are_ordered_strongest_first_and_weights_are_rounded(scored):
    message, hits = scored
    decision = Decision(0.9, "smile", {"TEXT_MODEL": 0.123456, "OUTREACH_PATTERNS": -2.0, "MERGE_FALLBACK": 1.5})
    hits = {**hits, "MERGE_FALLBACK": Hit("MERGE_FALLBACK")}
    result = build_result(message, hits, decision, "m")
    weights = [r["weight"] for r in result["reasons"]]
    assert weights == sorted(weights, key=lambda w: -abs(w))
    assert _codes(result)[:3] == ["OUTREACH_PATTERNS", "MERGE_FALLBACK", "TEXT_MODEL"]
    assert result["reasons"][2]["weight"] == 0.1235


def test_hits_that_add_no_weight_are_shown_only_with_evidence(scored):
    message, hits = scored
    result = build_result(message, {**hits, "SENDER_TOOL_TRACES": Hit("SENDER_TOOL_TRACES", strength=0.0)},
                          Decision(0.2, "personal", {}), "m")
    assert "IDENTITY_SLOTS" in _codes(result)  # points at the reader's name: shown, weight 0
    assert "SENDER_TOOL_TRACES" not in _codes(result)  # nothing to point at, nothing added
    assert all(r["weight"] == 0.0 for r in result["reasons"])


def test_text_model_descriptions_follow_the_sign_of_its_weight(scored):
    message, hits = scored
    mass = build_result(message, hits, Decision(0.9, "smile", {"TEXT_MODEL": 1.0}), "m", (Evidence.of(message.text, 0, 2),))
    personal = build_result(message, hits, Decision(0.1, "personal", {"TEXT_MODEL": -1.0}), "m", (Evidence.of(message.text, 0, 2),))
    lean = {r["code"]: r for r in mass["reasons"]}["TEXT_MODEL"]
    assert lean["description"] == REASONS["TEXT_MODEL"].description and lean["evidence"]
    lean = {r["code"]: r for r in personal["reasons"]}["TEXT_MODEL"]
    assert lean["description"] == REASONS["TEXT_MODEL"].personal_description and lean["evidence"] == []


def test_shared_history_points_at_the_depth_signals_evidence():
    record = {"id": "h", "channel": "email", "body": "Thanks for the notes you sent after our call on Tuesday, Dana.",
              "recipient": {"first_name": "Dana"}}
    message = from_record(record)
    depth = Hit("PERSONALIZATION_DEPTH", evidence=(Evidence.of(message.text, 0, 6),), strength=0.0, data={"depth": "deep"})
    result = build_result(message, {"PERSONALIZATION_DEPTH": depth}, Decision(0.1, "personal", {"SHARED_HISTORY": -3.0}), "m")
    history = result["reasons"][0]
    assert history["code"] == "SHARED_HISTORY" and history["weight"] == -3.0
    assert history["description"] == REASONS["SHARED_HISTORY"].description
    assert history["evidence"] == [{"start": 0, "end": 6, "text": "Thanks"}]
    assert result["personalization"]["depth"] == "deep"


def test_a_users_rule_comes_first_whatever_the_weights(scored):
    message, hits = scored
    rule = Hit("USER_ALLOWED_SENDER", data={"rule": "allow"})
    result = build_result(message, {**hits, "USER_ALLOWED_SENDER": rule},
                          Decision(0.95, "personal", {"TEXT_MODEL": 3.0, "OUTREACH_PATTERNS": 1.0}), "m")
    assert _codes(result)[:3] == ["USER_ALLOWED_SENDER", "TEXT_MODEL", "OUTREACH_PATTERNS"]
    first = result["reasons"][0]
    assert first == {"code": "USER_ALLOWED_SENDER", "weight": 0.0, "evidence": [],
                     "description": "You marked this sender as not cold; your choice overrides the model."}


def test_voice_reasons_explain_themselves_and_follow_the_texts_on_equal_weight(scored):
    message, hits = scored
    campaign = {"id": "c1", "copies": 5, "recipients": 5}
    voice_copy = Hit("VOICE_CAMPAIGN_COPY", data={"explanation": "The same recording, unchanged, was left for 5 people (5 copies).",
                                                  "campaign": campaign})
    merge = Hit("MERGE_TAG_LEFTOVER")
    voice = {"synthetic": 0.97, "transcript": None, "campaign": campaign}
    decision = Decision(0.99, "smile", {"VOICE_CAMPAIGN_COPY": 4.0, "MERGE_TAG_LEFTOVER": 4.0, "SYNTHETIC_VOICE": 2.0})
    result = build_result(message, {**hits, "MERGE_TAG_LEFTOVER": merge, "VOICE_CAMPAIGN_COPY": voice_copy,
                                    "SYNTHETIC_VOICE": Hit("SYNTHETIC_VOICE", strength=0.8)}, decision, "m", voice=voice)
    assert _codes(result)[:3] == ["MERGE_TAG_LEFTOVER", "VOICE_CAMPAIGN_COPY", "SYNTHETIC_VOICE"]
    described = {r["code"]: r["description"] for r in result["reasons"]}
    assert described["VOICE_CAMPAIGN_COPY"].startswith("The same recording, unchanged")
    assert described["SYNTHETIC_VOICE"] == REASONS["SYNTHETIC_VOICE"].description
    assert result["voice"] == voice
    assert result["campaign"] == {**campaign, "varying_slots": []}  # no text campaign: the recording's


def test_a_voice_campaign_of_one_person_is_shown_without_weight(scored):
    message, hits = scored
    one = Hit("VOICE_CAMPAIGN_COPY", strength=0.0, data={"explanation": "left for 1 person",
                                                         "campaign": {"id": "c", "copies": 2, "recipients": 1}})
    result = build_result(message, {**hits, "VOICE_CAMPAIGN_COPY": one}, Decision(0.3, "personal", {}), "m")
    assert {r["code"]: r["weight"] for r in result["reasons"]}["VOICE_CAMPAIGN_COPY"] == 0.0


def test_a_text_campaign_wins_over_the_recordings(scored):
    message, hits = scored
    text_campaign = {"id": "t", "copies": 3, "recipients": 3, "varying_slots": ["first_name"]}
    campaign_hit = Hit("CAMPAIGN_COPY", data={"explanation": "only your first name differs from 3 copies sent to 3 people",
                                              "campaign": text_campaign})
    voice_hit = Hit("VOICE_CAMPAIGN_COPY", data={"explanation": "x", "campaign": {"id": "v", "copies": 2, "recipients": 2}})
    result = build_result(message, {**hits, "CAMPAIGN_COPY": campaign_hit, "VOICE_CAMPAIGN_COPY": voice_hit},
                          Decision(0.99, "smile", {"CAMPAIGN_COPY": 4.0, "VOICE_CAMPAIGN_COPY": 4.0}), "m")
    assert result["campaign"] == text_campaign
    reason = result["reasons"][0]
    assert reason["code"] == "CAMPAIGN_COPY" and reason["description"].startswith("only your first name differs")


def test_a_truncated_text_says_so():
    message = from_record({"id": "long", "channel": "sms", "body": "word " * (MAX_TEXT_CHARS // 5 + 10)})
    assert message.truncated
    result = build_result(message, {}, Decision(0.5, "personal", {}), "m")
    assert result["reasons"][-1] == {"code": "TEXT_TRUNCATED", "weight": 0.0, "evidence": [],
                                     "description": REASONS["TEXT_TRUNCATED"].description}


@pytest.mark.parametrize(("record_id", "echoed"), [("m-7", "m-7"), (42, "42"), (True, None), ({"x": "secret"}, None),
                                                    (None, None)])
def test_an_error_result_has_the_contract_shape_and_echoes_only_plain_ids(record_id, echoed):
    result = error_result(record_id, "'channel' must be one of email, sms", "model-x")
    assert list(result) == RESULT_FIELDS
    assert result == {"id": echoed, "score": None, "verdict": "error", "reasons": [], "personalization": None,
                      "campaign": None, "voice": None, "model_version": "model-x",
                      "error": "'channel' must be one of email, sms"}
