import json
from pathlib import Path

import pytest

import detector.engine as engine
from detector.engine import BadLine, Detector

SAMPLES = Path(__file__).parents[2] / "data" / "samples" / "messages.jsonl"
CONTRACT = Path(__file__).parents[3] / "shared" / "contract" / "examples.jsonl"
OUTPUT_FIELDS = {"id", "score", "verdict", "reasons", "personalization", "campaign", "voice", "model_version", "error"}


@pytest.fixture(scope="module")
def detector():
    return Detector.open()


def _examples():
    path = CONTRACT if CONTRACT.is_file() else SAMPLES  # the samples start with a copy of the contract's examples
    return {r["id"]: r for r in map(json.loads, path.read_text().splitlines()) if r["id"] in ("seed-1", "seed-2", "ex-3")}


def codes(result):
    return {r["code"] for r in result["reasons"]}


def test_seed_1_is_smile_because_of_merge_tag_leftovers(detector):
    result = detector.score(_examples()["seed-1"])
    assert result["verdict"] == "smile"
    assert "MERGE_TAG_LEFTOVER" in codes(result)
    leftover = next(r for r in result["reasons"] if r["code"] == "MERGE_TAG_LEFTOVER")
    assert {e["text"] for e in leftover["evidence"]} >= {"[FIRST_NAME]", "[RECENTLY_VIEWED_PRODUCT]"}
    assert leftover["weight"] > 0


def test_seed_2_is_smile_with_personal_video_trope_and_shallow_personalization(detector):
    result = detector.score(_examples()["seed-2"])
    assert result["verdict"] == "smile"
    assert "OUTREACH_PATTERNS" in codes(result)
    assert result["personalization"]["depth"] == "shallow"
    assert {"type": "first_name", "text": "Mark"}.items() <= result["personalization"]["slots"][0].items()


def test_ex_3_is_personal_and_deep(detector):
    result = detector.score(_examples()["ex-3"])
    assert result["verdict"] == "personal"
    assert result["personalization"]["depth"] == "deep"
    assert not codes(result) & {"MERGE_TAG_LEFTOVER", "MERGE_FALLBACK", "OUTREACH_PATTERNS"}


def test_results_have_contract_fields_and_evidence_repeats_the_scored_text(detector):
    records = [json.loads(line) for line in SAMPLES.read_text().splitlines()]
    for record, result in zip(records, detector.score_many(records), strict=True):
        assert set(result) == OUTPUT_FIELDS
        assert result["id"] == record["id"] and result["error"] is None
        assert 0.0 <= result["score"] <= 1.0
        assert result["verdict"] in ("personal", "smile", "bulk")
        assert result["model_version"] == detector.model_version
        for reason in result["reasons"]:
            assert reason["code"].isupper() and isinstance(reason["description"], str)
            for e in reason["evidence"]:
                assert e["end"] > e["start"] >= 0 and isinstance(e["text"], str)


def test_offsets_index_the_scored_email_text(detector):
    record = {"id": "o", "channel": "email", "subject": "Hi", "body": "Dear {{first_name}}, quick question."}
    result = detector.score(record)
    scored = "Hi\n\nDear {{first_name}}, quick question."
    for reason in result["reasons"]:
        for e in reason["evidence"]:
            assert scored[e["start"]:e["end"]] == e["text"]


def test_bad_records_become_error_results_and_the_run_goes_on(detector):
    records = [
        {"id": "ok-1", "channel": "sms", "body": "running late, save me a seat"},
        BadLine("stdin line 2: invalid JSON (Expecting value at column 1)"),
        {"id": "no-body", "channel": "email"},
        {"id": "bad-channel", "channel": "pager", "body": "x"},
        {"id": "empty", "channel": "email", "body": ""},
        {"id": "raw-junk", "channel": "email", "raw": "\x00\x01 not a message"},
        {"id": "ok-2", "channel": "email", "body": "Thanks for dinner last night, the risotto was great."},
    ]
    results = list(detector.score_many(records))
    assert len(results) == len(records)
    assert [r["verdict"] == "error" for r in results] == [False, True, True, True, True, True, False]
    assert all(r["error"] for r in results if r["verdict"] == "error")
    assert results[1]["error"].startswith("stdin line 2")


def test_score_many_is_lazy_and_keeps_order_across_batches(detector):
    records = ({"id": str(i), "channel": "sms", "body": f"see you at {i}"} for i in range(600))
    assert [r["id"] for r in detector.score_many(records)] == [str(i) for i in range(600)]


def test_truncated_text_gets_a_reason(detector, monkeypatch):
    import detector.message as message

    monkeypatch.setattr(message, "MAX_TEXT_CHARS", 50)
    result = detector.score({"id": "t", "channel": "email", "body": "word " * 100})
    assert "TEXT_TRUNCATED" in codes(result)


def test_worker_processes_give_the_same_results_in_the_same_order(detector, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 4)  # several batches in flight across the workers
    base = "Hi {name}, I came across your profile and loved your recent post. Open to a quick call next week?"
    records = [{"id": f"c{i}", "channel": "linkedin", "body": base.format(name=name), "recipient": {"name": name}}
               for i, name in enumerate(["Ana Ruiz", "Ben Ode", "Cy Lam", "Di Park", "Ed Moss"])]
    records += [engine.BadLine("not JSON", "bad"), {"id": "no-body", "channel": "email"}]
    records += [dict(r, id=f"x{r['id']}") for r in _examples().values()] * 3
    serial = list(detector.score_many(records))
    parallel = list(detector.score_many(records, workers=2))
    assert parallel == serial
    assert [r["id"] for r in parallel][:7] == ["c0", "c1", "c2", "c3", "c4", "bad", "no-body"]
    assert parallel[4]["campaign"]["copies"] == 5  # linking still sees every copy


def test_text_model_reason_says_which_way_it_leaned(detector):
    personal = detector.score(_examples()["ex-3"])
    smile = detector.score(_examples()["seed-2"])
    leaned_personal = next(r for r in personal["reasons"] if r["code"] == "TEXT_MODEL")
    leaned_mass = next(r for r in smile["reasons"] if r["code"] == "TEXT_MODEL")
    assert leaned_personal["weight"] < 0 and "written for one person" in leaned_personal["description"]
    assert leaned_personal["evidence"] == []
    assert leaned_mass["weight"] > 0 and "mass-produced" in leaned_mass["description"] and leaned_mass["evidence"]


def test_a_loaded_model_is_out_of_the_garbage_collectors_walk(detector):
    # Full collections re-walk every tracked object (~200 ms with the model's libraries loaded);
    # what a detector holds lives as long as the process, so it is frozen once it is loaded.
    import gc

    assert gc.get_freeze_count() > 0
    tracked = {id(o) for o in gc.get_objects()}
    assert id(detector.bundle.text_model) not in tracked
    pipeline = getattr(detector.bundle.text_model, "wording_model", detector.bundle.text_model)  # a cascade's tf-idf
    assert id(pipeline.named_steps["clf"].__dict__) not in tracked
