"""App factory: `create_app(settings)`; the lifespan loads the detector and opens the stores once per worker."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Mapping

import limits
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry
from prometheus_fastapi_instrumentator import Instrumentator
from slowapi import Limiter

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


@dataclass
class Services:
    """Everything a request needs, built once by the lifespan and shared by all requests of a worker."""

    settings: Settings
    detector: Detector
    keys: KeyStore
    feedback: FeedbackStore
    limiter: Limiter
    rate_limit: limits.RateLimitItem
    campaigns: CampaignStore
    """One index for every request and, through its SQLite file or Redis, every worker."""

    def score(self, records: list[Mapping[str, Any]], user: str) -> list[dict[str, Any]]:
        results = list(self.detector.score_many(records, campaigns=self.campaigns))
        self.feedback.apply(user, records, results)
        return results

    def checks(self) -> dict[str, bool]:
        return {
            "model": self.detector is not None,
            "database": self.keys.db.ping() and self.feedback.db.ping(),
            "campaign_index": _answers(lambda: len(self.campaigns)),
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
        campaigns=open_campaign_index(settings.campaign_url),
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
    )
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
