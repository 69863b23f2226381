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
    assert client.get("/healthz").json() == {"status": "ok", "checks": {}, "capabilities": {}}
    assert client.get("/readyz").json()["status"] == "ready"
    client.post("/v1/score", json=SMILE, headers=auth)
    client.get("/v1/no-such-page-" + "canary")
    metrics = client.get("/metrics").text
    assert 'handler="/v1/score"' in metrics
    assert "canary" not in metrics and "Dana" not in metrics


def test_keys_command_creates_lists_and_revokes(tmp_path, monkeypatch):
    from detector.cli import _plug_in_commands
    from detector.cli import app as cli

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


def test_batch_error_rows_echo_only_string_ids_within_the_limit(client, auth):
    records = [{"id": "x" * 2000, "channel": "fax", "body": "a"}, {"id": {"nested": "value"}, "channel": "email"},
               {"id": 12345, "channel": "email", "body": "a"}, {"id": "ok-id", "channel": "fax", "body": "a"},
               {"id": "\ud800", "channel": "fax"}]
    body = json.dumps(records)  # ASCII: the lone surrogate travels as \\ud800, as a client could send it
    results = client.post("/v1/score/batch", content=body, headers={**auth, "Content-Type": "application/json"}).json()
    assert [r["id"] for r in results] == [None, None, None, "ok-id", None]
    assert all(r["verdict"] == "error" for r in results)
    assert "nested" not in json.dumps(results) and "x" * 100 not in json.dumps(results)


def test_readyz_names_capabilities_and_audio_without_the_voice_extra_is_503(client, auth, monkeypatch):
    import api.routes.audio

    ready = client.get("/readyz").json()
    assert ready["status"] == "ready"
    assert set(ready["capabilities"]) == {"text", "voice", "voice_campaigns", "transformer", "campaign_store"}
    missing = "speech recognition needs faster-whisper (pip install 'sincere[voice]')"
    monkeypatch.setattr(api.routes.audio, "recogniser_missing", lambda: missing)
    monkeypatch.setattr("detector.audio.transcription.recogniser_missing", lambda: missing)
    assert client.get("/readyz").json()["capabilities"]["voice"] is False
    files = {"file": ("v.wav", b"RIFF....", "audio/wav")}
    response = client.post("/v1/score/audio", files=files, data={"metadata": json.dumps({"id": "v"})}, headers=auth)
    assert response.status_code == 503 and response.json()["error"]["code"] == "not_ready"
    assert "sincere[voice]" in response.json()["error"]["message"]
    with_body = {"metadata": json.dumps({"id": "v", "body": "Hi Dana, call me back"})}
    scored = client.post("/v1/score/audio", files=files, data=with_body, headers=auth)  # its words need no recogniser
    assert scored.status_code == 200 and scored.json()["voice"] is None


def test_docs_are_served_without_a_network(client):
    import re

    page = client.get("/docs")
    assert page.status_code == 200
    assert "https://" not in page.text and "http://" not in page.text
    assets = re.findall(r'(?:href|src)="([^"]+)"', page.text)
    assert len(assets) == 3
    for url in assets:
        assert client.get(url).status_code == 200, url
    assert len(client.get("/docs/assets/swagger-ui-bundle.js").content) > 500_000


def test_data_dir_and_files_are_private(tmp_path):
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api.conftest import make_settings

    data_dir = tmp_path / "sincere-data"
    app = create_app(make_settings(tmp_path, data_dir=data_dir, hash_salt=None))
    with TestClient(app) as client:
        client.post("/v1/score", json=SMILE, headers={"X-API-Key": app.state.services.keys.create("t")[1]})
    assert data_dir.stat().st_mode & 0o777 == 0o700
    files = sorted(p.name for p in data_dir.iterdir())
    assert {"api.sqlite3", "campaigns.sqlite3", "salt"} <= set(files)
    assert {p.name: p.stat().st_mode & 0o777 for p in data_dir.iterdir()} == dict.fromkeys(files, 0o600)
