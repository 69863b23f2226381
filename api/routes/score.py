"""Scoring text: one message, or a batch of up to MAX_BATCH. Every route is a sync function, so scoring runs in
the threadpool, never on the event loop."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.deps import Shared, Who
from api.errors import describe, documented, safe_field_errors
from api.schemas import MAX_BATCH, MAX_ID_CHARS, ScoreRequest, ScoreResult, valid_unicode
from detector.contract import error_result

router = APIRouter()


@router.post(
    "/v1/score", operation_id="score", tags=["scoring"], response_model=ScoreResult,
    responses=documented(400, 401, 413, 422, 429, 500),
)
def score(body: ScoreRequest, who: Who, services: Shared) -> dict[str, Any]:
    """Score one message. A message the engine cannot read (e.g. no text left to score) is a 422."""
    result = services.score([body.record()], who.user)[0]
    if result["verdict"] == "error":
        raise HTTPException(422, result["error"])
    return result


def _echoed_id(item: Any) -> str | None:
    """A bad record's id as sent, when it is one the schema allows (text of at most MAX_ID_CHARS)."""
    value = item.get("id") if isinstance(item, dict) else None
    if not isinstance(value, str) or len(value) > MAX_ID_CHARS:
        return None
    try:
        return valid_unicode(value)
    except ValueError:  # a lone surrogate cannot be sent back as UTF-8
        return None


def _validated(item: Any) -> dict[str, Any] | str:
    """The record to score, or why it cannot be scored (without echoing it)."""
    try:
        return ScoreRequest.model_validate(item).record()
    except ValidationError as exc:
        return describe(safe_field_errors(exc.errors()))


@router.post(
    "/v1/score/batch", operation_id="score_batch", tags=["scoring"], response_model=list[ScoreResult],
    responses=documented(400, 401, 413, 422, 429, 500),
    openapi_extra={"requestBody": {"content": {"application/json": {"schema": {
        "type": "array", "maxItems": MAX_BATCH, "items": {"$ref": "#/components/schemas/ScoreRequest"},
    }}}}},
)
def score_batch(records: Annotated[list[Any], Body(max_length=MAX_BATCH)], who: Who, services: Shared) -> list[dict[str, Any]]:
    """Score up to 100 messages (MAX_BATCH); one result per record, same order. A record that is not valid gets
    a result with `verdict: "error"` and an `error` saying why, inside the 200; the others are scored."""
    items = [_validated(r) for r in records]
    scored = iter(services.score([i for i in items if isinstance(i, dict)], who.user))
    return [
        next(scored) if isinstance(item, dict)
        else error_result(_echoed_id(raw), item, services.detector.model_version)
        for item, raw in zip(items, records, strict=True)
    ]
