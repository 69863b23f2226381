"""Who is calling: the API key (401 when missing or wrong), its rate limit (429), and the feedback user."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader
from starlette.exceptions import HTTPException

AUTH_FAILURES = "auth-failures"
"""Rate-limit namespace of failed authentications, counted per client address."""
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key from `sincere keys create`.")


@dataclass(frozen=True)
class Caller:
    """Who is calling, as the routes see it: the API key's id and the user its feedback rules belong to."""

    key_id: str
    user: str
    """Whose feedback rules apply: the key id plus the optional X-Sincere-User header."""


def _retry_after(limiter, item, *identifiers: str) -> dict[str, str]:
    reset, _ = limiter.get_window_stats(item, *identifiers)
    return {"Retry-After": str(max(1, math.ceil(reset - time.time())))}


def authenticate(request: Request, token: Annotated[str | None, Security(_api_key)]) -> str:
    """The caller's key id. An address over its failed-authentication limit gets 429 before its key is
    even checked (guessing keys is throttled); a valid key is then held to its own rate limit."""
    services = request.app.state.services
    limiter = services.limiter.limiter
    address = request.client.host if request.client else "unknown"
    if not limiter.test(services.auth_failure_limit, AUTH_FAILURES, address):
        raise HTTPException(429, "too many failed authentications from this address",
                            headers=_retry_after(limiter, services.auth_failure_limit, AUTH_FAILURES, address))
    key_id = services.keys.verify(token)
    if key_id is None:
        limiter.hit(services.auth_failure_limit, AUTH_FAILURES, address)
        raise HTTPException(401, "missing or invalid API key", headers={"WWW-Authenticate": "ApiKey"})
    request.state.key_id = key_id
    if not limiter.hit(services.rate_limit, key_id):
        raise HTTPException(429, "rate limit exceeded for this API key",
                            headers=_retry_after(limiter, services.rate_limit, key_id))
    return key_id


async def caller(
    key_id: Annotated[str, Depends(authenticate)],
    user: Annotated[str | None, Header(
        alias="X-Sincere-User", max_length=200,
        description="Optional opaque id of the extension user; feedback rules are kept per API key and this id.",
    )] = None,
) -> Caller:
    """The authenticated caller; the optional X-Sincere-User id keeps feedback rules of one key's users apart."""
    return Caller(key_id=key_id, user=f"{key_id}\0{user or ''}")
