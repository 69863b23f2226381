"""Who is calling: the API key (401 when missing or wrong), its rate limit (429), and the feedback user."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException

_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from `sincere keys create`.")


@dataclass(frozen=True)
class Caller:
    key_id: str
    user: str
    """Whose feedback rules apply: the key id plus the optional X-Sincere-User header."""


def authenticate(request: Request, token: Annotated[str | None, Security(_api_key)]) -> str:
    services = request.app.state.services
    key_id = services.keys.verify(token)
    if key_id is None:
        raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"})
    request.state.key_id = key_id
    limiter = services.limiter.limiter
    if not limiter.hit(services.rate_limit, key_id):
        reset, _ = limiter.get_window_stats(services.rate_limit, key_id)
        retry = max(1, math.ceil(reset - time.time()))
        raise HTTPException(429, "rate limit exceeded for this API key", headers={"Retry-After": str(retry)})
    return key_id


async def caller(
    key_id: Annotated[str, Depends(authenticate)],
    user: Annotated[str | None, Header(
        alias="X-Sincere-User", max_length=200,
        description="Optional opaque id of the extension user; feedback rules are kept per API key and this id.",
    )] = None,
) -> Caller:
    return Caller(key_id=key_id, user=f"{key_id}\0{user or ''}")
