"""API keys: `snc_<id>_<secret>`; only a SHA-256 of the secret is stored, and it is compared in constant time.

The id half is public (it names the key in listings, logs and rate-limit counters); the secret
is shown once, at creation. Keys are random 256-bit strings, so a fast hash is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from api.db import Database

PREFIX = "snc"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""
_DUMMY_HASH = hashlib.sha256(b"no such key").hexdigest()


@dataclass(frozen=True)
class KeyInfo:
    """What may be shown about a key (listings, the creation message): never its secret or hash."""

    id: str
    name: str
    created_at: str
    revoked_at: str | None


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class KeyStore:
    """The API keys in the API's SQLite file: created, listed and revoked by `sincere keys`, verified per request."""

    def __init__(self, path: Path):
        self.db = Database(path, _SCHEMA)

    def create(self, name: str) -> tuple[KeyInfo, str]:
        """A new key; the returned token is the only time the secret exists in clear."""
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        info = KeyInfo(key_id, name, _now(), None)
        self.db.connection().execute(
            "INSERT INTO api_keys (id, name, secret_sha256, created_at) VALUES (?, ?, ?, ?)",
            (key_id, name, _digest(secret), info.created_at),
        )
        return info, f"{PREFIX}_{key_id}_{secret}"

    def list(self) -> list[KeyInfo]:
        """Every key, revoked ones included, oldest first."""
        rows = self.db.connection().execute("SELECT id, name, created_at, revoked_at FROM api_keys ORDER BY created_at, id")
        return [KeyInfo(*row) for row in rows]

    def revoke(self, key_id: str) -> bool:
        """Revoke a live key; False when no live key has that id. The row stays, so listings show the revocation."""
        cursor = self.db.connection().execute(
            "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", (_now(), key_id)
        )
        return cursor.rowcount == 1

    def verify(self, token: str | None) -> str | None:
        """The key id when `token` is a live key, else None (same work either way)."""
        prefix, _, rest = (token or "").partition("_")
        key_id, _, secret = rest.partition("_")
        row = self.db.connection().execute(
            "SELECT secret_sha256 FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,)
        ).fetchone()
        matches = hmac.compare_digest(_digest(secret), row[0] if row else _DUMMY_HASH)
        return key_id if matches and row and prefix == PREFIX else None
