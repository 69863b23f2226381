"""A schemathesis check of our own: an error answer never echoes text the request sent.

Used by tests/api/test_fuzz.py (in process) and by .ci/run's run against a live `sincere serve`
(`SCHEMATHESIS_HOOKS=tests.api.schemathesis_hooks`). Error answers are the `{"error": ...}` bodies
and the `error` of batch results; a request string counts when it has MIN_ECHO characters and is
not a word of the API itself (a field name or an enum value, which errors name on purpose).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import schemathesis

MIN_ECHO = 8
"""Shorter request strings are too likely to occur in an error by chance ("email", "1")."""


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
        try:  # a multipart `metadata` part is JSON text
            inner = json.loads(value)
        except ValueError:
            return
        if not isinstance(inner, str):
            yield from _strings(inner)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _api_words(schema: Any) -> set[str]:
    """Property names and enum values anywhere in the OpenAPI document."""
    words: set[str] = set()
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            words.update(k for k in node.get("properties", {}) if isinstance(k, str))
            words.update(v for v in node.get("enum", []) if isinstance(v, str))
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return words


def error_texts(body: Any) -> list[str]:
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        detail = body["error"]
        return [str(detail.get("message", ""))] + [str(f.get("msg", "")) for f in detail.get("fields") or []
                                                   if isinstance(f, dict)]
    if isinstance(body, list):
        return [str(item["error"]) for item in body if isinstance(item, dict) and item.get("error")]
    return []


@schemathesis.check
def error_does_not_echo_request(ctx, response, case) -> bool | None:
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - not JSON: nothing structured to inspect here
        return None
    texts = error_texts(body)
    if not texts:
        return None
    known = _api_words(case.operation.schema.raw_schema)
    sent = {s for s in _strings([case.body, case.query, case.path_parameters, case.headers])
            if len(s.strip()) >= MIN_ECHO and s not in known}
    for text in texts:
        for value in sent:
            if value in text:
                raise AssertionError(f"error answer echoes a request value ({len(value)} characters)")
    return True
