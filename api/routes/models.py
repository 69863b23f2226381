"""The model bundle that scores this server's requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from api.auth import authenticate
from api.deps import Shared
from api.errors import documented
from api.schemas import ModelInfo

router = APIRouter()


@router.get(
    "/v1/models", operation_id="list_models", tags=["models"], response_model=list[ModelInfo],
    responses=documented(401, 429, 500),
)
def list_models(key_id: Annotated[str, Depends(authenticate)], services: Shared) -> list[dict[str, Any]]:
    """The model bundle that scores requests: version, thresholds and the model card's headline metrics."""
    return [services.model_info()]
