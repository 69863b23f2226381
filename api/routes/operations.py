"""For operators, without an API key: liveness, readiness (and what this server can do), Prometheus metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import Shared
from api.errors import documented
from api.schemas import Status

router = APIRouter()


@router.get("/healthz", operation_id="healthz", tags=["operations"], response_model=Status, responses=documented(500))
def healthz() -> dict[str, Any]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get(
    "/readyz", operation_id="readyz", tags=["operations"], response_model=Status,
    responses={503: {"model": Status, "description": "Not ready; `checks` says what failed."}, **documented(500)},
)
def readyz(services: Shared) -> Any:
    """Readiness: the model is loaded and the key, feedback and campaign stores answer (`checks`); `capabilities`
    says what this server can do: text, voice (transcribing uploads), voice_campaigns (fpcalc), transformer,
    campaign_store."""
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
