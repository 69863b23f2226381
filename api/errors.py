"""Uniform error bodies (`{"error": {code, message, fields?}}`) that never echo input or internals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from api import schemas

CODES = {
    400: "bad_request", 401: "unauthorized", 404: "not_found", 405: "method_not_allowed",
    413: "too_large", 415: "unsupported_media_type", 422: "invalid_request", 429: "rate_limited",
    500: "internal", 501: "not_implemented", 503: "not_ready",
}
_LOCATIONS = {"body", "query", "header", "path", "cookie"}
_FIELD_NAMES = _LOCATIONS | {
    name for model in vars(schemas).values()
    if isinstance(model, type) and issubclass(model, BaseModel) for name in model.model_fields
}


def error_body(status: int, message: str, fields: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ErrorBody every error response carries: a stable code for `status`, the message and any field errors."""
    detail: dict[str, Any] = {"code": CODES.get(status, "error"), "message": message}
    if fields is not None:
        detail["fields"] = fields
    return {"error": detail}


def _error_response(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status, headers=headers)


def safe_field_errors(errors: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Location, message and type of each validation error; the submitted value (`input`, `ctx`) is dropped,
    and location parts that are not our field names (e.g. a caller's header names) become `*`."""
    return [
        {
            "loc": [p if isinstance(p, int) or p in _FIELD_NAMES else "*" for p in e.get("loc", ())],
            "msg": str(e.get("msg", "invalid")),
            "type": str(e.get("type", "invalid")),
        }
        for e in errors
    ]


def describe(fields: list[dict[str, Any]]) -> str:
    """One line naming every invalid field, for per-item batch errors."""
    return "; ".join(f"{'.'.join(str(p) for p in f['loc']) or 'record'}: {f['msg']}" for f in fields)


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else CODES.get(exc.status_code, "error")
    return _error_response(exc.status_code, message, headers=getattr(exc, "headers", None))


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    fields = safe_field_errors(exc.errors())
    return JSONResponse(error_body(422, "the request is not valid; see 'fields'", fields), status_code=422)


def install(app: FastAPI) -> None:
    """Make `app` answer HTTP and validation errors with ErrorBody instead of FastAPI's default `detail`."""
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries for error statuses, all with the ErrorBody shape."""
    text = {
        400: "Malformed request body or Content-Length.", 401: "Missing or invalid X-API-Key.",
        413: "Request body or upload over the configured limit.",
        422: "Invalid request; `fields` lists the problems without echoing the values sent.",
        429: "Rate limit for this API key exceeded; see Retry-After.", 500: "Internal error (no details are disclosed).",
        501: "Not implemented in this version.", 503: "Not ready.",
    }
    return {s: {"model": schemas.ErrorBody, "description": text[s]} for s in statuses}
