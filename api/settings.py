"""Server settings, read once from `SINCERE_*` environment variables and an optional `.env` file."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EXTENSION_ORIGIN = re.compile(r"^(chrome-extension://[a-p]{32}|moz-extension://[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12})$")
"""Only browser-extension origins may be allowed: Chrome/Edge ids are 32 letters a-p, Firefox's are UUIDs."""


def _default_data_dir() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "sincere"


class Settings(BaseSettings):
    """Everything the API server can be configured with; each field is read from SINCERE_<FIELD NAME>."""

    model_config = SettingsConfigDict(env_prefix="SINCERE_", env_file=".env", extra="ignore")

    model: Path | None = Field(None, description="Model bundle folder; else the one `sincere models use` chose, else the shipped one.")
    data_dir: Path = Field(default_factory=_default_data_dir, description="Where the API keeps its SQLite files.")
    database: Path | None = Field(None, description="SQLite file for API keys and feedback (default: data_dir/api.sqlite3).")
    hash_salt: SecretStr | None = Field(
        None, description="Secret salt for feedback hashes (default: generated once into data_dir/salt)."
    )
    campaign_index_url: str | None = Field(
        None, description="Campaign index: sqlite:///path, redis://... or memory:// (default: data_dir/campaigns.sqlite3)."
    )
    rate_limit: str = Field("600/minute", description="Per-API-key limit, in the `limits` notation.")
    rate_limit_storage_url: str = Field("memory://", description="Rate-limit counters: memory:// or redis://host:port for several workers.")
    auth_failure_limit: str = Field("30/minute", description="Failed authentications allowed per client address; "
                                                             "beyond it, 429 without the key being checked.")
    max_body_bytes: int = Field(1_048_576, gt=0, description="Largest JSON request body (413 beyond).")
    max_upload_bytes: int = Field(10_485_760, gt=0, description="Largest audio upload request (413 beyond).")
    max_audio_seconds: int = Field(300, gt=0, description="Longest voicemail accepted (413 beyond).")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated chrome-extension://<id> / moz-extension://<id> origins."
    )

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        return [o.strip() for o in value.split(",") if o.strip()] if isinstance(value, str) else value

    @field_validator("cors_origins")
    @classmethod
    def _only_extensions(cls, origins: list[str]) -> list[str]:
        bad = [o for o in origins if not EXTENSION_ORIGIN.match(o)]
        if bad:
            raise ValueError(f"not a browser-extension origin: {', '.join(bad)}")
        return origins

    def shared_state_problems(self, workers: int) -> list[str]:
        """Settings that would give each of several workers its own counters or index (a limit silently
        multiplied by the number of workers, copies never linked across them)."""
        if workers <= 1:
            return []
        problems = []
        if self.rate_limit_storage_url.startswith("memory://"):
            problems.append(f"--workers {workers} with SINCERE_RATE_LIMIT_STORAGE_URL=memory:// would give each worker its "
                            f"own counters ({workers} x the limit); set it to redis://host:port, or use --workers 1")
        if self.campaign_url.startswith("memory://"):
            problems.append(f"--workers {workers} with SINCERE_CAMPAIGN_INDEX_URL=memory:// would give each worker its own "
                            "campaign index; use sqlite:///abs/path.db or redis://host:port/db, or --workers 1")
        return problems

    @property
    def database_path(self) -> Path:
        """The SQLite file for API keys and feedback, defaulted into data_dir."""
        return self.database or self.data_dir / "api.sqlite3"

    @property
    def campaign_url(self) -> str:
        """The campaign index URL, defaulting to an SQLite file in data_dir so workers share it."""
        return self.campaign_index_url or f"sqlite:///{self.data_dir / 'campaigns.sqlite3'}"
