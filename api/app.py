"""App factory: `create_app(settings)`; the lifespan loads the detector and opens the stores once per worker."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import limits
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from slowapi import Limiter
from swagger_ui_bundle import swagger_ui_path

from api import errors
from api.feedback import FeedbackStore, load_salt
from api.keys import KeyStore
from api.middleware import BodyLimit, RequestLog
from api.routes import AUDIO_PATH, router
from api.settings import Settings
from detector.campaigns import CampaignStore, open_campaign_index
from detector.engine import Detector
from detector.model_selection import resolve_model

log = logging.getLogger("sincere.api")
API_VERSION = "1.0.0"
DOCS_ASSETS = "/docs/assets"
"""Where Swagger UI's files are served from, out of the swagger-ui-bundle package: /docs needs no network."""


@dataclass
class Services:
    """Everything a request needs, built once by the lifespan and shared by all requests of a worker."""

    settings: Settings
    detector: Detector
    keys: KeyStore
    feedback: FeedbackStore
    limiter: Limiter
    rate_limit: limits.RateLimitItem
    auth_failure_limit: limits.RateLimitItem
    campaigns: CampaignStore
    """One index for every request and, through its SQLite file or Redis, every worker."""

    def score(self, records: list[Mapping[str, Any]], user: str) -> list[dict[str, Any]]:
        return list(self.detector.score_many(records, campaigns=self.campaigns, sender_rules=self.feedback.rules_for(user)))

    def checks(self) -> dict[str, bool]:
        return {
            "model": self.detector is not None,
            "database": self.keys.db.ping() and self.feedback.db.ping(),
            "campaign_index": _answers(lambda: len(self.campaigns)),
        }

    def capabilities(self) -> dict[str, bool]:
        """What this server can do beyond its required checks, so clients know before they send."""
        from detector.audio.transcription import recogniser_missing
        from detector.campaigns.audio_fingerprint import missing_reason
        from detector.minilm import transformer_missing

        return {
            "text": self.detector is not None,
            "voice": recogniser_missing() is None,
            "voice_campaigns": missing_reason() is None,
            "transformer": transformer_missing() is None,
            "campaign_store": _answers(lambda: len(self.campaigns)),
        }

    def model_info(self) -> dict[str, Any]:
        bundle = self.detector.bundle
        manifest = bundle.manifest
        return {
            "model_version": bundle.version,
            "name": manifest["name"],
            "version": manifest["version"],
            "kind": manifest.get("kind"),
            "classes": list(bundle.classes),
            "threshold": bundle.policy.threshold,
            "target_fpr": bundle.policy.target_fpr,
            "metrics": {k: float(v) for k, v in manifest.get("metrics", {}).items()},
            "training_rows": manifest.get("training_data", {}).get("rows"),
        }


def _answers(probe) -> bool:
    try:
        probe()
        return True
    except Exception:  # noqa: BLE001 - any failure of a store means "not ready"
        return False


def build_services(settings: Settings) -> Services:
    choice = resolve_model(settings.model)  # the one order the CLI uses too: setting, `sincere models use`, shipped
    detector = Detector.from_path(choice.path) if choice.path else Detector.default()
    salt = load_salt(settings.hash_salt.get_secret_value() if settings.hash_salt else None, settings.data_dir)
    return Services(
        settings=settings,
        detector=detector,
        keys=KeyStore(settings.database_path),
        feedback=FeedbackStore(settings.database_path, salt),
        # Used for its configured counter storage only; `authenticate` counts hits per key id itself.
        limiter=Limiter(key_func=lambda: "", storage_uri=settings.rate_limit_storage_url),
        rate_limit=limits.parse(settings.rate_limit),
        auth_failure_limit=limits.parse(settings.auth_failure_limit),
        campaigns=open_campaign_index(settings.campaign_url),
    )


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
