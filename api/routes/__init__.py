"""The HTTP endpoints, one module per resource; `router` holds them all in the order the OpenAPI document lists them."""

from __future__ import annotations

from fastapi import APIRouter

from api.routes import audio, feedback, models, operations, score

router = APIRouter()
for resource in (score, audio, feedback, models, operations):
    router.include_router(resource.router)
