"""POST /v1/score/audio: a multipart voicemail scored end to end; limits, errors, temporary file and logs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import make_settings
from tests.detector.voice_drops import SCRIPT_ID, render, require_tools, script

CANARY = "zq-canary-5d81c2"


def _metadata(**extra) -> dict[str, str]:
    record = {"id": "vm1", "recipient": {"name": "Dana Whitfield", "first_name": "Dana"}, **extra}
    return {"metadata": json.dumps(record)}


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> bytes:
    require_tools("flite", "fpcalc")
    return render(script(SCRIPT_ID, "Dana"), tmp_path_factory.mktemp("api") / "drop.wav", "api").read_bytes()


def test_a_voicemail_upload_gets_one_contract_result(client, auth, drop):
    response = client.post("/v1/score/audio", files={"file": ("drop.wav", drop, "audio/wav")}, data=_metadata(),
                           headers=auth)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["id"] == "vm1" and result["error"] is None and result["verdict"] == "smile"
    assert "Dana" in result["voice"]["transcript"] and result["voice"]["synthetic"] > 0.5
    assert result["voice"]["campaign"] is None  # the first copy this server has seen


def test_copies_uploaded_for_two_people_link_in_the_server_index(client, auth, drop, tmp_path):
    kevin = render(script(SCRIPT_ID, "Kevin"), tmp_path / "kevin.wav", "api-kevin").read_bytes()
    first = client.post("/v1/score/audio", files={"file": ("a.wav", drop, "audio/wav")}, data=_metadata(),
                        headers=auth).json()
    second = client.post("/v1/score/audio", files={"file": ("b.wav", kevin, "audio/wav")},
                         data=_metadata(id="vm2", recipient={"first_name": "Kevin", "name": "Kevin Ortiz"}),
                         headers=auth).json()
    assert first["voice"]["campaign"] is None
    assert second["voice"]["campaign"]["copies"] == 2 and second["voice"]["campaign"]["recipients"] == 2
    assert any(r["code"] == "VOICE_CAMPAIGN_COPY" and r["weight"] > 0 for r in second["reasons"])


def test_a_body_in_the_metadata_is_the_transcript(client, auth, drop, monkeypatch):
    detector = client.app.state.services.detector

    def no_asr(*args, **kwargs):
        raise AssertionError("must not transcribe")

    monkeypatch.setattr(detector.voicemail, "_transcriber", type("NoASR", (), {"transcribe": no_asr})())
    body = "Hi Dana, it's your neighbour, the parcel is with me, knock whenever you're home."
    response = client.post("/v1/score/audio", files={"file": ("v.wav", drop, "audio/wav")},
                           data=_metadata(body=body), headers=auth)
    assert response.status_code == 200
    assert response.json()["voice"]["transcript"] is None


@pytest.mark.parametrize("metadata, field", [("not json", "not valid JSON"), ('{"channel": "voicemail"}', "id"),
                                             ('{"id": "x", "channel": "fax"}', "channel")])
def test_bad_metadata_is_a_422_that_names_the_problem(client, auth, metadata, field):
    response = client.post("/v1/score/audio", files={"file": ("v.wav", b"RIFF", "audio/wav")},
                           data={"metadata": metadata}, headers=auth)
    assert response.status_code == 422 and field in response.json()["error"]["message"]


def test_audio_over_the_duration_limit_is_413(tmp_path):
    app = create_app(make_settings(tmp_path, max_audio_seconds=5))
    path = tmp_path / "long.wav"
    sf.write(path, (0.2 * np.sin(np.arange(8000 * 8) / 8000 * 2 * np.pi * 300)).astype(np.float32), 8000,
             subtype="PCM_16")
    with TestClient(app) as client:
        auth = {"X-API-Key": app.state.services.keys.create("t")[1]}
        response = client.post("/v1/score/audio", files={"file": ("long.wav", path.read_bytes(), "audio/wav")},
                               data=_metadata(), headers=auth)
    assert response.status_code == 413 and response.json()["error"]["code"] == "too_large"


def test_the_temporary_file_is_deleted_and_nothing_heard_is_logged(client, auth, drop, monkeypatch, caplog):
    caplog.set_level(logging.DEBUG)
    services = client.app.state.services
    seen: list[Path] = []
    real_score = services.score

    def spy(records, user):
        seen.append(Path(records[0]["audio_path"]))
        assert seen[-1].is_file() and CANARY not in seen[-1].name
        return real_score(records, user)

    monkeypatch.setattr(services, "score", spy)
    ok = client.post("/v1/score/audio", files={"file": (f"{CANARY}.wav", drop, "audio/wav")}, data=_metadata(),
                     headers=auth)
    bad = client.post("/v1/score/audio", files={"file": (f"{CANARY}.m4a", b"\0" * 3000, "audio/mp4")},
                      data=_metadata(), headers=auth)
    assert ok.status_code == 200 and bad.status_code == 422
    assert CANARY not in bad.text
    assert seen and not any(p.exists() or p.parent.exists() for p in seen)
    transcript = ok.json()["voice"]["transcript"]
    logs = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert CANARY not in logs and transcript not in logs and "Acme" not in logs
