"""The HTTP endpoints; each is a sync function, so scoring runs in the threadpool, never on the event loop."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.auth import Caller, authenticate, caller
from api.errors import describe, documented, safe_field_errors
from api.feedback import RULE_FOR_FEEDBACK
from api.schemas import (
    MAX_BATCH,
    MAX_ID_CHARS,
    AudioMetadata,
    FeedbackRequest,
    FeedbackResult,
    ModelInfo,
    ScoreRequest,
    ScoreResult,
    Status,
    valid_unicode,
)
from detector.audio.decoding import duration_seconds
from detector.audio.transcription import recogniser_missing
from detector.results import error_result
from detector.sender_rules import sender_identity
from detector.voicemail import has_own_words

router = APIRouter()
Who = Annotated[Caller, Depends(caller)]
AUDIO_PATH = "/v1/score/audio"
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".aac", ".mp4", ".amr", ".3gp", ".ogg", ".opus", ".oga", ".flac"})
"""Upload name endings kept on the temporary file (a hint for the decoder; content is probed anyway)."""


def _services(request: Request):
    return request.app.state.services


@router.post(
    "/v1/score", operation_id="score", tags=["scoring"], response_model=ScoreResult,
    responses=documented(400, 401, 413, 422, 429, 500),
)
def score(body: ScoreRequest, who: Who, request: Request) -> dict[str, Any]:
    """Score one message. A message the engine cannot read (e.g. no text left to score) is a 422."""
    result = _services(request).score([body.record()], who.user)[0]
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
def score_batch(records: Annotated[list[Any], Body(max_length=MAX_BATCH)], who: Who, request: Request) -> list[dict[str, Any]]:
    """Score up to 100 messages (MAX_BATCH); one result per record, same order. A record that is not valid gets
    a result with `verdict: "error"` and an `error` saying why, inside the 200; the others are scored."""
    services = _services(request)
    items = [_validated(r) for r in records]
    scored = iter(services.score([i for i in items if isinstance(i, dict)], who.user))
    return [
        next(scored) if isinstance(item, dict)
        else error_result(_echoed_id(raw), item, services.detector.model_version)
        for item, raw in zip(items, records)
    ]


def _audio_metadata(metadata: str) -> dict[str, Any]:
    """The record sent beside the audio, or a 422 naming what is wrong (never echoing it)."""
    try:
        return AudioMetadata.model_validate(json.loads(metadata)).record()
    except json.JSONDecodeError:
        raise HTTPException(422, "metadata: not valid JSON") from None
    except ValidationError as exc:
        raise HTTPException(422, "metadata: " + describe(safe_field_errors(exc.errors()))) from None


@router.post(
    AUDIO_PATH, operation_id="score_audio", tags=["scoring"], response_model=ScoreResult,
    responses=documented(400, 401, 413, 422, 429, 500, 503),
)
def score_audio(
    who: Who,
    request: Request,
    file: Annotated[UploadFile, File(description="wav, mp3, m4a/aac, amr, 3gp, ogg/opus or flac; at most "
                                                 "SINCERE_MAX_UPLOAD_BYTES (default 10 MiB) per request and "
                                                 "SINCERE_MAX_AUDIO_SECONDS (default 300 s).")],
    metadata: Annotated[str, Form(description="JSON contract record without audio_path: id, channel (default "
                                              "voicemail), sender, recipient, ...; a body is used as the transcript.")],
) -> dict[str, Any]:
    """Score a voicemail or a video's audio: decoded, transcribed offline (unless `metadata` has a `body`),
    checked for a synthetic voice and fingerprinted against the server's campaign index; one contract
    result with `voice: {synthetic, transcript, campaign}`. Audio that cannot be decoded is a 422, audio
    longer than SINCERE_MAX_AUDIO_SECONDS a 413; a recording to transcribe on a server without the voice
    extra a 503 (`/readyz` capabilities.voice is then false). The upload lives in a private temporary file deleted when
    the request ends; neither it nor its transcript is logged or kept."""
    services = _services(request)
    record = _audio_metadata(metadata)
    if not has_own_words(record) and (missing := recogniser_missing()) is not None:
        raise HTTPException(503, f"this server cannot transcribe recordings: {missing}; "
                                 "send the transcript as 'body' in metadata")
    suffix = Path(file.filename or "").suffix.lower()
    with tempfile.TemporaryDirectory(prefix="sincere-audio-") as folder:
        path = Path(folder) / f"upload{suffix if suffix in AUDIO_SUFFIXES else ''}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out)
        seconds = duration_seconds(path)
        limit = services.settings.max_audio_seconds
        if seconds is not None and seconds > limit:
            raise HTTPException(413, f"audio of {seconds:.0f} s is over the limit of {limit} s")
        result = services.score([{**record, "audio_path": str(path)}], who.user)[0]
    if result["verdict"] == "error":
        raise HTTPException(422, result["error"])
    return result


@router.post(
    "/v1/feedback", operation_id="feedback", tags=["feedback"], response_model=FeedbackResult,
    responses=documented(400, 401, 413, 422, 429, 500),
)
def feedback(body: FeedbackRequest, who: Who, request: Request) -> dict[str, Any]:
    """Record "this sender is not cold" (`not_cold`) or "this is spam with a smile" (`smile`) for this user;
    later scores of that sender's messages for this user carry that verdict. Only salted hashes are stored."""
    rule = RULE_FOR_FEEDBACK[body.feedback]
    _services(request).feedback.record(who.user, sender_identity(body.sender.model_dump()), rule)
    return {"rule": rule}


@router.get(
    "/v1/models", operation_id="list_models", tags=["models"], response_model=list[ModelInfo],
    responses=documented(401, 429, 500),
)
def list_models(key_id: Annotated[str, Depends(authenticate)], request: Request) -> list[dict[str, Any]]:
    """The model bundle that scores requests: version, thresholds and the model card's headline metrics."""
    return [_services(request).model_info()]


@router.get("/healthz", operation_id="healthz", tags=["operations"], response_model=Status, responses=documented(500))
def healthz() -> dict[str, Any]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz", operation_id="readyz", tags=["operations"], response_model=Status,
    responses={503: {"model": Status, "description": "Not ready; `checks` says what failed."}, **documented(500)},
)
def readyz(request: Request) -> Any:
    """Readiness: the model is loaded and the key, feedback and campaign stores answer (`checks`); `capabilities`
    says what this server can do: text, voice (transcribing uploads), voice_campaigns (fpcalc), transformer,
    campaign_store."""
    services = _services(request)
    checks = services.checks()
    body = {"status": "ready" if all(checks.values()) else "not_ready", "checks": checks,
            "capabilities": services.capabilities()}
    return body if all(checks.values()) else JSONResponse(body, status_code=503)


@router.get(
    "/metrics", operation_id="metrics", tags=["operations"], response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "Prometheus metrics."},
               **documented(500)},
)
def metrics(request: Request) -> PlainTextResponse:
    """Prometheus metrics (labelled by route template and status only)."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return PlainTextResponse(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
