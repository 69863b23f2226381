"""Schemathesis over the OpenAPI schema: generated requests (valid and invalid) never get a 5xx, every
response conforms to the documented status codes, content types, headers and body schemas (the audio
upload included: generated files are refused as not audio, never with a 5xx), and no error answer echoes
request text (tests/api/schemathesis_hooks.py). `.ci/run` also runs the schemathesis CLI against a live
`sincere serve`.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.schemathesis_hooks import error_does_not_echo_request

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, error_does_not_echo_request]
EXAMPLES = {GenerationMode.POSITIVE: 100, GenerationMode.NEGATIVE: 40}
MIN_CASES = 500


def _call_generated(operation, mode: GenerationMode, examples: int, auth: dict[str, str], cases: list[str]) -> None:
    """Send `examples` requests generated for `operation` in `mode`, each validated by CHECKS and its
    operation's label appended to `cases`."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        cases.append(operation.label)
        case.call_and_validate(headers=auth, checks=CHECKS)

    run()


def test_generated_requests_get_no_server_error_and_conform_to_the_schema(client, auth):
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    cases: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode, examples in EXAMPLES.items():
            if mode is GenerationMode.NEGATIVE and operation.method.upper() == "GET":
                continue  # nothing to invalidate: the GET operations take no parameters
            _call_generated(operation, mode, examples, auth, cases)
    assert len(cases) >= MIN_CASES, f"only {len(cases)} cases generated"


def test_the_echo_check_catches_an_error_that_quotes_the_request():
    from types import SimpleNamespace

    import pytest

    sent = "zq-canary-7731 is in the body"
    operation = SimpleNamespace(schema=SimpleNamespace(raw_schema={"components": {}}))
    case = SimpleNamespace(body={"id": "1", "body": sent}, query=None, path_parameters=None, headers=None,
                           operation=operation)

    def answer(body):
        return SimpleNamespace(json=lambda: body)

    with pytest.raises(AssertionError, match="echoes a request value"):
        error_does_not_echo_request(None, answer({"error": {"code": "x", "message": f"bad: {sent}"}}), case)
    with pytest.raises(AssertionError):
        error_does_not_echo_request(None, answer([{"id": "1", "error": f"line: {sent}"}]), case)
    assert error_does_not_echo_request(None, answer({"error": {"code": "x", "message": "body: too long"}}), case)
