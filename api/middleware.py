"""ASGI middleware: request size limits (413) and privacy-safe request logging with a last-resort 500.

Log lines carry method, route template, status, duration and byte counts, never bodies, query
strings or header values. Unexpected exceptions are logged as their type and the code locations
of the traceback only: exception messages and frame locals can hold message text.
"""

from __future__ import annotations

import json
import logging
import time
import traceback
from collections.abc import Callable
from typing import Any

from starlette.exceptions import HTTPException

from api.errors import error_body

log = logging.getLogger("sincere.api")
LOGGED_FRAMES = 8
"""Innermost traceback frames named in an internal-error log line (file:line function, nothing else)."""
Scope = dict[str, Any]


async def _send_json(send: Callable, status: int, message: str) -> None:
    body = json.dumps(error_body(status, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _TooLarge(HTTPException):
    """Raised from `receive`; an HTTPException so the framework's body reader answers 413, not 400."""

    def __init__(self, limit: int):
        super().__init__(413, f"request body over the limit of {limit} bytes")


class BodyLimit:
    """Refuse request bodies over `limit` bytes (or `upload_limit` on upload paths), by header or by count."""

    def __init__(self, app, limit: int, upload_limit: int, upload_paths: frozenset[str]):
        self.app, self.limit, self.upload_limit, self.upload_paths = app, limit, upload_limit, upload_paths

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        """Check the declared Content-Length first, then count the bytes actually received, since it can lie
        or be absent (chunked bodies)."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and not declared.isdigit():
            return await _send_json(send, 400, "invalid Content-Length")
        if declared is not None and int(declared) > limit:
            return await _send_json(send, 413, f"request body over the limit of {limit} bytes")
        seen, started = 0, False

        async def counting_receive() -> dict:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _TooLarge(limit)
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge as exc:
            if started:
                raise
            await _send_json(send, 413, exc.detail)


class RequestLog:
    """One log line per request; any exception that escaped the handlers becomes a plain 500."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        """Run the app with no-store and nosniff added to every response's headers, then log the request's line."""
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, sent_bytes = time.perf_counter(), 0, 0

        async def logging_send(message: dict) -> None:
            nonlocal status, sent_bytes
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"cache-control", b"no-store"),
                                      (b"x-content-type-options", b"nosniff")]
            else:
                sent_bytes += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, logging_send)
        except Exception as exc:  # noqa: BLE001 - the last line of defence; logged without message or locals
            frames = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                                for f in reversed(traceback.extract_tb(exc.__traceback__)[-LOGGED_FRAMES:]))
            log.error("internal error %s at %s", type(exc).__name__, frames)
            if status:
                raise RuntimeError("response already started") from None
            status = 500
            await _send_json(send, 500, "internal error")
        finally:
            route = scope.get("route")
            log.info(
                "%s %s %s %.1fms in=%s out=%d key=%s", scope["method"], getattr(route, "path", "-"), status,
                (time.perf_counter() - start) * 1000, dict(scope["headers"]).get(b"content-length", b"-").decode("latin-1"),
                sent_bytes, scope.get("state", {}).get("key_id", "-"),
            )
