"""Strangers are refused (401), oversized bodies too (413), fast callers are slowed (429), and only the
configured extension origin passes CORS."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from api.app import create_app
from tests.api.conftest import EXTENSION, SMILE, make_settings


def test_missing_key_is_401(client):
    response = client.post("/v1/score", json=SMILE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert response.headers["www-authenticate"] == "ApiKey"


def test_wrong_and_revoked_keys_are_401(client, key, auth):
    key_id = key.split("_")[1]
    wrong_secret = f"snc_{key_id}_" + "x" * 43
    for bad in (wrong_secret, "snc_nothere_secret", "garbage", key + "x"):
        assert client.post("/v1/score", json=SMILE, headers={"X-API-Key": bad}).status_code == 401
    assert client.post("/v1/score", json=SMILE, headers=auth).status_code == 200
    assert client.app.state.services.keys.revoke(key_id)
    assert client.post("/v1/score", json=SMILE, headers=auth).status_code == 401


def test_key_store_keeps_only_hashes(client, key, settings):
    assert key.split("_", 2)[2].encode() not in settings.database_path.read_bytes()


def test_body_over_limit_is_413(tmp_path):
    app = create_app(make_settings(tmp_path, max_body_bytes=2000, max_upload_bytes=4000))
    with TestClient(app) as client:
        auth = {"X-API-Key": app.state.services.keys.create("t")[1]}
        big = dict(SMILE, body="word " * 1000)
        response = client.post("/v1/score", json=big, headers=auth)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"
        chunked = client.post("/v1/score", content=iter([b"{" + b" " * 1500, b" " * 1500 + b"}"]),
                              headers={**auth, "Content-Type": "application/json"})
        assert chunked.status_code == 413
        assert client.post("/v1/score", json=SMILE, headers=auth).status_code == 200
        upload = client.post("/v1/score/audio", files={"file": ("v.wav", b"\0" * 5000, "audio/wav")},
                             data={"metadata": '{"id": "v", "channel": "voicemail"}'}, headers=auth)
        assert upload.status_code == 413
        small = client.post("/v1/score/audio", files={"file": ("v.wav", b"\0" * 2500, "audio/wav")},
                            data={"metadata": '{"id": "v", "channel": "voicemail"}'}, headers=auth)
        assert small.status_code == 422  # under the upload limit though over the JSON one: read, and not audio


def test_rate_limit_is_per_key_429(tmp_path):
    app = create_app(make_settings(tmp_path, rate_limit="3/minute"))
    with TestClient(app) as client:
        first = {"X-API-Key": app.state.services.keys.create("a")[1]}
        second = {"X-API-Key": app.state.services.keys.create("b")[1]}
        assert [client.post("/v1/score", json=SMILE, headers=first).status_code for _ in range(3)] == [200] * 3
        limited = client.post("/v1/score", json=SMILE, headers=first)
        assert limited.status_code == 429
        assert limited.json()["error"]["code"] == "rate_limited"
        assert int(limited.headers["retry-after"]) >= 1
        assert client.post("/v1/score", json=SMILE, headers=second).status_code == 200


def _preflight(client, origin):
    return client.options("/v1/score", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-api-key, content-type",
    })


def test_cors_preflight_allows_only_the_configured_extension(client):
    allowed = _preflight(client, EXTENSION)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == EXTENSION
    assert "access-control-allow-credentials" not in allowed.headers
    refused = _preflight(client, "https://evil.example")
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers


def test_cors_is_closed_by_default(tmp_path):
    with TestClient(create_app(make_settings(tmp_path, cors_origins=""))) as client:
        response = _preflight(client, EXTENSION)
        assert response.status_code == 400
        assert "access-control-allow-origin" not in response.headers


def test_only_extension_origins_can_be_configured(tmp_path):
    for origin in ("*", "https://evil.example", "chrome-extension://*", "null"):
        with pytest.raises(ValidationError):
            make_settings(tmp_path, cors_origins=origin)
    assert make_settings(tmp_path, cors_origins=f"{EXTENSION}, moz-extension://0a1b2c3d-0000-4000-8000-00000000abcd").cors_origins[0] == EXTENSION


def test_failed_authentication_is_throttled_per_address_before_the_key_is_checked(tmp_path, monkeypatch):
    app = create_app(make_settings(tmp_path, auth_failure_limit="3/minute"))
    with TestClient(app) as client:
        good = {"X-API-Key": app.state.services.keys.create("a")[1]}
        bad = {"X-API-Key": "snc_nothere_secret"}
        assert [client.post("/v1/score", json=SMILE, headers=bad).status_code for _ in range(3)] == [401] * 3
        checked = []
        monkeypatch.setattr(app.state.services.keys, "verify", lambda token: checked.append(token))
        throttled = client.post("/v1/score", json=SMILE, headers=bad)
        assert throttled.status_code == 429 and throttled.json()["error"]["code"] == "rate_limited"
        assert int(throttled.headers["retry-after"]) >= 1
        assert "address" in throttled.json()["error"]["message"] and checked == []
        assert client.post("/v1/score", json=SMILE, headers=good).status_code == 429  # the address, not the key
    with TestClient(app, client=("203.0.113.9", 50000)) as other:
        assert other.post("/v1/score", json=SMILE, headers=bad).status_code == 401  # another address is not


def test_successful_requests_do_not_count_as_failures(tmp_path):
    app = create_app(make_settings(tmp_path, auth_failure_limit="2/minute"))
    with TestClient(app) as client:
        good = {"X-API-Key": app.state.services.keys.create("a")[1]}
        assert [client.post("/v1/score", json=SMILE, headers=good).status_code for _ in range(4)] == [200] * 4


@pytest.mark.parametrize("variable, value", [("SINCERE_RATE_LIMIT_STORAGE_URL", None),
                                             ("SINCERE_CAMPAIGN_INDEX_URL", "memory://")])
def test_serve_refuses_several_workers_with_per_worker_state(tmp_path, monkeypatch, variable, value):
    from typer.testing import CliRunner

    from detector.cli import app as cli

    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("SINCERE_DATA_DIR", str(tmp_path))
    if variable != "SINCERE_RATE_LIMIT_STORAGE_URL":
        monkeypatch.setenv("SINCERE_RATE_LIMIT_STORAGE_URL", "redis://127.0.0.1:1")
    if value:
        monkeypatch.setenv(variable, value)
    from api.cli import register

    register(cli)
    done = CliRunner().invoke(cli, ["serve", "--workers", "2", "--port", "1"])
    assert done.exit_code == 2
    assert variable in done.output and "--workers 1" in done.output


def test_serve_refuses_a_broken_bundle_in_one_line(tmp_path, monkeypatch):
    import shutil

    from typer.testing import CliRunner

    from api.cli import register
    from detector.cli import app as cli
    from detector.models.bundle import default_bundle_path

    bundle = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), bundle)
    (bundle / "policy.yaml").write_text("threshold: 0.1\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SINCERE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SINCERE_MODEL", str(bundle))
    register(cli)
    done = CliRunner().invoke(cli, ["serve", "--port", "1"])
    assert done.exit_code == 2 and "sha256" in done.output and "Traceback" not in done.output
