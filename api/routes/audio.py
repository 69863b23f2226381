"""Scoring a recording: a voicemail or a video's audio, uploaded with its record."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, UploadFile
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from api.deps import Shared, Who
from api.errors import describe, documented, safe_field_errors
from api.schemas import AudioMetadata, ScoreResult
from detector.audio.decoding import duration_seconds
from detector.audio.transcription import recogniser_missing
from detector.voicemail import has_own_words

router = APIRouter()
AUDIO_PATH = "/v1/score/audio"
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".aac", ".mp4", ".amr", ".3gp", ".ogg", ".opus", ".oga", ".flac"})
"""Upload name endings kept on the temporary file (a hint for the decoder; content is probed anyway)."""


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
    services: Shared,
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
