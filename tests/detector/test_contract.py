"""The contract module is the one field list: the API's models, batch frames and training follow it,
and it matches the contract's own table where that is at hand."""

import re
from pathlib import Path

import pytest

from detector.contract import CHANNELS, INPUT_FIELDS, RECIPIENT_FIELDS, RESULT_FIELDS, SENDER_FIELDS, VERDICTS, error_result
from detector.engine import Detector

CONTRACT_README = Path(__file__).resolve().parents[3] / "shared" / "contract" / "README.md"


def _table_fields(text: str, heading: str) -> list[str]:
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, flags=re.M)


@pytest.mark.skipif(not CONTRACT_README.is_file(), reason=f"the shared contract is not at {CONTRACT_README}")
def test_the_field_lists_are_the_contract_tables():
    text = CONTRACT_README.read_text(encoding="utf-8")
    assert tuple(_table_fields(text, "## Input")) == INPUT_FIELDS
    assert tuple(_table_fields(text, "## Output")) == RESULT_FIELDS
    channel_row = next(line for line in text.splitlines() if line.startswith("| `channel`"))
    assert tuple(re.findall(r"`(\w+)`", channel_row)[1:]) == CHANNELS


def test_the_api_models_are_built_on_the_contract_fields():
    from api.schemas import Recipient, ScoreRequest, ScoreResult, Sender

    # audio_path is left out of the HTTP request on purpose: the server never opens a client's paths.
    assert tuple(ScoreRequest.model_fields) == tuple(f for f in INPUT_FIELDS if f != "audio_path")
    assert tuple(ScoreResult.model_fields) == RESULT_FIELDS
    assert tuple(Sender.model_fields) == SENDER_FIELDS
    assert tuple(Recipient.model_fields) == RECIPIENT_FIELDS
    assert ScoreRequest.model_json_schema()["properties"]["channel"]["enum"] == list(CHANNELS)
    assert ScoreResult.model_json_schema()["properties"]["verdict"]["enum"] == list(VERDICTS)


def test_an_error_result_has_every_result_field_and_never_echoes_a_non_scalar_id():
    result = error_result({"secret": "text of the message"}, "'id' is required", "m-1")
    assert tuple(result) == RESULT_FIELDS
    assert result["id"] is None and result["verdict"] == "error" and "secret" not in repr(result)
    assert error_result(7, "bad", "m-1")["id"] == "7" and error_result(True, "bad", "m-1")["id"] is None


def test_scored_and_error_results_have_exactly_the_result_fields():
    good, bad = Detector.open().score_many([{"id": "a", "channel": "sms", "body": "see you at 6"}, {"id": "b"}])
    assert tuple(good) == RESULT_FIELDS and tuple(bad) == RESULT_FIELDS and bad["verdict"] == "error"
    assert good["verdict"] in VERDICTS
