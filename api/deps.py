"""What every route shares: the services built once per worker (detector, settings, key, feedback and
campaign stores, rate limits) and the request dependencies that hand them, and the caller, to a route."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import limits
from fastapi import Depends, Request
from slowapi import Limiter

from api.auth import Caller, caller
from api.feedback import FeedbackStore, load_salt
from api.keys import KeyStore
from api.settings import Settings
from detector.campaigns.stores import open_campaign_store
from detector.campaigns.stores.contract import CampaignStore
from detector.engine import Detector
from detector.models.selection import resolve_model


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
        """Score for `user`: the shared campaign store links copies, the user's feedback rules apply."""
        return list(self.detector.score_many(records, campaigns=self.campaigns, sender_rules=self.feedback.rules_for(user)))

    def checks(self) -> dict[str, bool]:
        """What /readyz requires: the model loaded and every store answering."""
        return {
            "model": self.detector is not None,
            "database": self.keys.db.ping() and self.feedback.db.ping(),
            "campaign_index": _answers(lambda: len(self.campaigns)),
        }

    def capabilities(self) -> dict[str, bool]:
        """What this server can do beyond its required checks, so clients know before they send."""
        from detector.audio.transcription import recogniser_missing
        from detector.campaigns.audio_fingerprint import missing_reason
        from detector.models.minilm import transformer_missing

        return {
            "text": self.detector is not None,
            "voice": recogniser_missing() is None,
            "voice_campaigns": missing_reason() is None,
            "transformer": transformer_missing() is None,
            "campaign_store": _answers(lambda: len(self.campaigns)),
        }

    def model_info(self) -> dict[str, Any]:
        """The loaded bundle as /v1/models describes it."""
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
    """Load the model and open the stores that `settings` name (the lifespan calls it once per worker)."""
    choice = resolve_model(settings.model)  # the one order the CLI uses too: setting, `sincere models use`, shipped
    detector = Detector.open(choice.path)
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
        campaigns=open_campaign_store(settings.campaign_url),
    )


def _services(request: Request) -> Services:
    return request.app.state.services


Shared = Annotated[Services, Depends(_services)]
"""A route's parameter for the worker's services."""
Who = Annotated[Caller, Depends(caller)]
"""A route's parameter for the authenticated caller (API key and user)."""
