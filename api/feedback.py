"""Per-user sender rules from feedback ("this sender is not cold" / "this is spam with a smile").

A *user* is one API key plus the optional `X-Sincere-User` header (an opaque id the extension
picks per install or per account), so one key can serve many users without mixing their rules.
Only keyed hashes are stored: HMAC-SHA256 under a server secret of the user, and of user + sender,
so the table reveals neither who the senders are nor that two users share one.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from api.db import Database, private_dir

ALLOW, DENY = "allow", "deny"
RULE_FOR_FEEDBACK = {"not_cold": ALLOW, "smile": DENY, "forget": None}
OVERRIDES = {
    ALLOW: ("personal", "USER_ALLOWED_SENDER", "You marked this sender as not cold; your choice overrides the model."),
    DENY: ("smile", "USER_DENIED_SENDER", "You marked this sender's messages as spam with a smile; your choice overrides the model."),
}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sender_rules (
    user_hash TEXT NOT NULL,
    sender_hash TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'deny')),
    PRIMARY KEY (user_hash, sender_hash)
);
"""


def sender_identity(sender: Any) -> str | None:
    """What names a sender across messages: the e-mail address, else the profile URL."""
    if not isinstance(sender, Mapping):
        return None
    email, profile = sender.get("email"), sender.get("profile_url")
    if isinstance(email, str) and email.strip():
        return "email:" + email.strip().lower()
    if isinstance(profile, str) and profile.strip():
        return "profile:" + profile.strip().lower().rstrip("/")
    return None


def load_salt(secret: str | None, data_dir: Path) -> bytes:
    """The configured secret, else one generated once into data_dir/salt (atomically, for several workers)."""
    if secret:
        return secret.encode()
    path = data_dir / "salt"
    if not path.exists():
        private_dir(data_dir)
        tmp = data_dir / f".salt.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode()


class FeedbackStore:
    def __init__(self, path: Path, salt: bytes):
        self.db = Database(path, _SCHEMA)
        self._salt = salt

    def _hash(self, *parts: str) -> str:
        return hmac.new(self._salt, "\0".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def record(self, user: str, sender: str, rule: str | None) -> None:
        user_hash, sender_hash = self._hash("user", user), self._hash("sender", user, sender)
        conn = self.db.connection()
        if rule is None:
            conn.execute("DELETE FROM sender_rules WHERE user_hash = ? AND sender_hash = ?", (user_hash, sender_hash))
        else:
            conn.execute(
                "INSERT INTO sender_rules VALUES (?, ?, ?) ON CONFLICT (user_hash, sender_hash) DO UPDATE SET rule = excluded.rule",
                (user_hash, sender_hash, rule),
            )

    def rule(self, user: str, sender: str) -> str | None:
        row = self.db.connection().execute(
            "SELECT rule FROM sender_rules WHERE user_hash = ? AND sender_hash = ?",
            (self._hash("user", user), self._hash("sender", user, sender)),
        ).fetchone()
        return row[0] if row else None

    def apply(self, user: str, records: Iterable[Mapping[str, Any]], results: Iterable[dict[str, Any]]) -> None:
        """Let this user's sender rules decide the verdict of scored results (in place); the score stays the model's."""
        for record, result in zip(records, results):
            identity = sender_identity(record.get("sender"))
            if result["verdict"] == "error" or identity is None:
                continue
            rule = self.rule(user, identity)
            if rule is not None:
                verdict, code, description = OVERRIDES[rule]
                result["verdict"] = verdict
                result["reasons"].insert(0, {"code": code, "weight": 0.0, "description": description, "evidence": []})
