"""Campaign stores: where campaign signatures and counts live between messages.

`open_campaign_store(url)` opens the store a caller names: `memory://` (one run),
`sqlite:///abs/path.db` or `sqlite://relative/path.db` (embedded, persistent) or
`redis://host:port/db` (shared by workers).
Query options: `ttl_s` (seconds a campaign lives after it was last seen; 0 = forever) and, for
memory and SQLite, `max_campaigns` (least recently seen beyond it are dropped). The salt that
keys recipient hashes comes from SINCERE_CAMPAIGN_SALT when set, else it is generated once and
kept in the store.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urlsplit

from detector.campaigns.stores.contract import CampaignStore
from detector.campaigns.stores.memory import MemoryCampaignStore

SALT_ENV = "SINCERE_CAMPAIGN_SALT"


class CampaignStoreError(ValueError):
    """The campaign store URL is not one of the supported forms."""


def _options(query: str) -> dict:
    options = {}
    for key, values in parse_qs(query).items():
        if key not in ("ttl_s", "max_campaigns"):
            raise CampaignStoreError(f"unknown campaign index option {key!r} (ttl_s, max_campaigns)")
        value = float(values[-1])
        options[key] = None if value <= 0 else (int(value) if key == "max_campaigns" else value)
    return options


def open_campaign_store(url: str) -> CampaignStore:
    """The store `url` names (memory://, sqlite://, redis://), with its query options applied."""
    parts = urlsplit(url)
    options = _options(parts.query)
    salt = os.environ.get(SALT_ENV)
    salt_bytes = salt.encode("utf-8") if salt else None
    if parts.scheme == "memory":
        return MemoryCampaignStore(salt=salt_bytes, **options)
    if parts.scheme == "sqlite":
        path = parts.netloc + parts.path
        if not path.strip("/"):
            raise CampaignStoreError("sqlite campaign index needs a file: sqlite:///abs/path.db or sqlite://rel/path.db")
        from detector.campaigns.stores.sqlite import SqliteCampaignStore

        return SqliteCampaignStore(path, salt=salt_bytes, **options)
    if parts.scheme == "redis":
        if "max_campaigns" in options:
            raise CampaignStoreError("redis campaign index: bound memory with Redis maxmemory, not max_campaigns")
        from detector.campaigns.stores.redis import RedisCampaignStore

        return RedisCampaignStore(url.split("?")[0], salt=salt_bytes, **options)
    raise CampaignStoreError(f"unsupported campaign index {parts.scheme or url!r}: memory://, sqlite:///path, redis://host:port/db")
