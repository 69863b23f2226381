"""App factory: `create_app(settings)`; the lifespan loads the detector and opens the stores once per worker
(api.deps.build_services)."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from swagger_ui_bundle import swagger_ui_path

from api import errors
from api.deps import build_services
from api.middleware import BodyLimit, RequestLog
from api.routes import router
from api.routes.audio import AUDIO_PATH
from api.settings import Settings

log = logging.getLogger("sincere.api")
API_VERSION = "1.0.0"
DOCS_ASSETS = "/docs/assets"
"""Where Swagger UI's files are served from, out of the swagger-ui-bundle package: /docs needs no network."""


def _serve_docs(app: FastAPI) -> None:
    app.mount(DOCS_ASSETS, StaticFiles(directory=swagger_ui_path), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url, title=f"{app.title} - docs",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js", swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
        )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app for `settings` (default: SINCERE_* variables and .env); uvicorn calls it once per worker."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.services = build_services(settings)
        log.info("model %s loaded", app.state.services.detector.model_version)
        yield
        app.state.services.campaigns.close()

    app = FastAPI(
        title="Sincere scoring API",
        version=API_VERSION,
        description="Tells whether a 'personal' message was written for its reader or is spam with a smile. "
                    "Every /v1 endpoint needs an `X-API-Key`.",
        lifespan=lifespan,
        docs_url=None,  # served below from local assets instead of a CDN
        redoc_url=None,
    )
    _serve_docs(app)
    app.include_router(router)
    errors.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, upload_limit=settings.max_upload_bytes,
                       upload_paths=frozenset({AUDIO_PATH}))
    app.add_middleware(RequestLog)
    app.state.metrics_registry = CollectorRegistry()
    Instrumentator(registry=app.state.metrics_registry, excluded_handlers=["/metrics"]).instrument(app)
    app.add_middleware(  # added last, so outermost: 413 and 500 answers carry CORS headers too
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_credentials=False,
        allow_methods=["GET", "POST"],
        allow_headers=["X-API-Key", "X-Sincere-User", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )
    return app
