"""The OpenAPI schema changes only on purpose.

After a deliberate change, regenerate the snapshot and review its diff:
    SINCERE_UPDATE_OPENAPI_SNAPSHOT=1 .venv/bin/python -m pytest tests/api/test_openapi.py
"""

import json
import os
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def test_openapi_matches_the_snapshot(app):
    schema = json.loads(json.dumps(app.openapi()))
    if os.environ.get("SINCERE_UPDATE_OPENAPI_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert schema == json.loads(SNAPSHOT.read_text(encoding="utf-8")), "schema changed; see this module's docstring"


def test_every_operation_has_a_stable_id_and_documents_its_errors(app):
    operations = {(path, method): op for path, item in app.openapi()["paths"].items() for method, op in item.items()}
    assert {op["operationId"] for op in operations.values()} == {
        "score", "score_batch", "score_audio", "feedback", "list_models", "healthz", "readyz", "metrics"}
    for (path, _), op in operations.items():
        expected = {"200", "500"} | ({"401", "429"} if path.startswith("/v1/") else set())
        assert expected <= set(op["responses"]), path
        if op.get("requestBody"):
            assert {"413", "422"} <= set(op["responses"]), path
