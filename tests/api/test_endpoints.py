"""Endpoint behaviour: contract shapes, per-item batch errors, audio refusals, models and operations."""

import json

from typer.testing import CliRunner

from tests.api.conftest import SMILE

CONTRACT_FIELDS = {"id", "score", "verdict", "reasons", "personalization", "campaign", "voice", "model_version", "error"}


def test_score_returns_one_contract_result(client, auth):
    result = client.post("/v1/score", json=SMILE, headers=auth).json()
    assert set(result) == CONTRACT_FIELDS
    assert result["id"] == "m1" and result["verdict"] in ("smile", "bulk", "personal")
    assert 0 <= result["score"] <= 1


def test_score_refuses_unreadable_messages_with_422(client, auth):
    for record in ({"id": "e", "channel": "email", "body": "   "}, {"id": "e", "channel": "email", "raw": "no headers here"},
                   {"id": "e", "channel": "email"}, {"id": "e", "channel": "fax", "body": "hi"}):
        response = client.post("/v1/score", json=record, headers=auth)
        assert response.status_code == 422, record
        assert response.json()["error"]["code"] == "invalid_request"


def test_batch_keeps_order_and_reports_bad_items_inside_a_200(client, auth):
    records = [SMILE, {"id": "bad", "channel": "fax", "body": "x"}, "not an object", {"id": "empty", "channel": "sms", "body": " "},
               dict(SMILE, id="m2")]
    response = client.post("/v1/score/batch", json=records, headers=auth)
    assert response.status_code == 200
    results = response.json()
    assert [r["id"] for r in results] == ["m1", "bad", None, "empty", "m2"]
    assert [r["verdict"] == "error" for r in results] == [False, True, True, True, False]
    assert "channel" in results[1]["error"] and results[3]["error"]
    assert all(set(r) == CONTRACT_FIELDS for r in results)


def test_batch_over_the_maximum_is_refused(client, auth):
    response = client.post("/v1/score/batch", json=[dict(SMILE, id=str(i)) for i in range(101)], headers=auth)
    assert response.status_code == 422
    assert client.post("/v1/score/batch", json=[dict(SMILE, id=str(i)) for i in range(100)], headers=auth).status_code == 200


def test_audio_needs_a_key_and_refuses_what_is_not_audio(client, auth):
    files = {"file": ("v.wav", b"RIFF....", "audio/wav")}
    data = {"metadata": json.dumps({"id": "v", "channel": "voicemail"})}
    assert client.post("/v1/score/audio", files=files, data=data).status_code == 401
    response = client.post("/v1/score/audio", files=files, data=data, headers=auth)
    assert response.status_code == 422 and response.json()["error"]["code"] == "invalid_request"
    assert "upload.wav" in response.json()["error"]["message"]


def test_models_health_ready_metrics(client, auth):
    models = client.get("/v1/models", headers=auth).json()
    detector = client.app.state.services.detector
    assert models[0]["model_version"] == detector.model_version and models[0]["threshold"] > 0
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}}
    assert client.get("/readyz").json()["status"] == "ready"
    client.post("/v1/score", json=SMILE, headers=auth)
    client.get("/v1/no-such-page-" + "canary")
    metrics = client.get("/metrics").text
    assert 'handler="/v1/score"' in metrics
    assert "canary" not in metrics and "Dana" not in metrics


def test_keys_command_creates_lists_and_revokes(tmp_path, monkeypatch):
    from detector.cli import app as cli, _plug_in_commands

    monkeypatch.setenv("SINCERE_DATA_DIR", str(tmp_path))
    _plug_in_commands()
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "--name", "extension"])
    assert created.exit_code == 0
    token = created.stdout.strip().splitlines()[-1]
    key_id = token.split("_")[1]
    listed = runner.invoke(cli, ["keys", "list"]).stdout
    assert key_id in listed and "extension" in listed and "active" in listed and token.split("_", 2)[2] not in listed
    assert runner.invoke(cli, ["keys", "revoke", key_id]).exit_code == 0
    assert "revoked" in runner.invoke(cli, ["keys", "list"]).stdout
    assert runner.invoke(cli, ["keys", "revoke", key_id]).exit_code == 1
