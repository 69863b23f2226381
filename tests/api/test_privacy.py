"""Canary: message text never reaches logs (at DEBUG), error bodies or tracebacks, even when scoring fails."""

import json
import logging

import pytest

from tests.api.conftest import SMILE

CANARY = "zq-canary-7f3b9d41e2"
CANARY_RECORD = dict(SMILE, id="c1", subject=f"About {CANARY}", body=f"Hi Dana, {CANARY} is why I write. Quick chat?")


@pytest.fixture
def debug_logs(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    for name in ("sincere", "sincere.api", "fastapi", "starlette", "httpx", "multipart", "python_multipart"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    def text() -> str:
        out, err = capfd.readouterr()
        return "\n".join(r.getMessage() for r in caplog.records) + caplog.text + out + err

    return text


def _bad_requests():
    yield "/v1/score", {"json": dict(CANARY_RECORD, channel="fax")}
    yield "/v1/score", {"json": dict(CANARY_RECORD, id=CANARY * 100)}
    yield "/v1/score", {"json": dict(CANARY_RECORD, headers={CANARY: 5})}
    yield "/v1/score", {"json": dict(CANARY_RECORD, body=None, thread=[{"body": CANARY, "from_recipient": CANARY}])}
    yield "/v1/score", {"content": f'{{"id": "x", "body": "{CANARY}"'.encode(), "headers": {"Content-Type": "application/json"}}
    yield "/v1/score", {"json": dict(CANARY_RECORD, body=" ", subject=None)}
    yield "/v1/score", {"json": dict(CANARY_RECORD, body=None, raw=f"{CANARY} no headers")}
    yield "/v1/score/batch", {"json": [dict(CANARY_RECORD, channel=CANARY), CANARY, dict(CANARY_RECORD, sender=CANARY)]}
    yield "/v1/feedback", {"json": {"sender": {"name": CANARY}, "feedback": CANARY}}
    yield "/v1/score/audio", {"files": {"file": (f"{CANARY}.wav", CANARY.encode())}, "data": {"metadata": CANARY}}


def test_scored_and_refused_canaries_leave_no_trace(client, auth, debug_logs):
    assert client.post("/v1/score", json=CANARY_RECORD, headers=auth).status_code == 200
    assert client.post("/v1/score/batch", json=[CANARY_RECORD], headers=auth).status_code == 200
    for path, kwargs in _bad_requests():
        response = client.post(path, headers={**auth, **kwargs.pop("headers", {})}, **kwargs)
        assert response.status_code in (200, 422), (path, response.status_code)
        if path != "/v1/score/batch":
            assert CANARY not in response.text, path
        else:
            assert all(CANARY not in (r["error"] or "") for r in response.json())
    logs = debug_logs()
    assert "POST /v1/score 200" in logs  # the log is captured, so its silence about the canary means something
    assert CANARY not in logs


def _explode(records, *args, **kwargs):
    secret = [r.get("body") for r in records]  # a local holding message text
    raise ValueError(f"could not score {secret}")


def test_forced_internal_error_leaks_nothing(client, auth, debug_logs, monkeypatch):
    monkeypatch.setattr(client.app.state.services.detector, "score_many", _explode)
    for path, body in (("/v1/score", CANARY_RECORD), ("/v1/score/batch", [CANARY_RECORD])):
        response = client.post(path, json=body, headers=auth)
        assert response.status_code == 500
        assert response.json() == {"error": {"code": "internal", "message": "internal error"}}
    logs = debug_logs()
    assert "internal error ValueError" in logs and "_explode" in logs
    assert CANARY not in logs


def test_invalid_result_is_a_plain_500(client, auth, debug_logs, monkeypatch):
    """A result that breaks the response schema fails validation with the text in the error; none of it escapes."""
    monkeypatch.setattr(client.app.state.services.detector, "score_many",
                        lambda records: iter([{"id": CANARY, "verdict": CANARY} for _ in records]))
    response = client.post("/v1/score", json=CANARY_RECORD, headers=auth)
    assert response.status_code == 500 and CANARY not in response.text
    assert CANARY not in debug_logs()
    json.loads(response.text)
