"""Per-user sender rules from feedback ("this sender is not cold" / "this is spam with a smile").

A *user* is one API key plus the optional `X-Sincere-User` header (an opaque id the extension
picks per install or per account), so one key can serve many users without mixing their rules.
Only keyed hashes are stored: HMAC-SHA256 under a server secret of the user, and of user + sender,
so the table reveals neither who the senders are nor that two users share one. The engine applies a
user's rules like every shell's (detector.sender_rules): `FeedbackStore.rules_for(user)` looks each
sender up by its hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from api.db import Database, private_dir
from detector.sender_rules import ALLOW, DENY, SenderRules

RULE_FOR_FEEDBACK = {"not_cold": ALLOW, "smile": DENY, "forget": None}
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sender_rules (
    user_hash TEXT NOT NULL,
    sender_hash TEXT NOT NULL,
    rule TEXT NOT NULL CHECK (rule IN ('allow', 'deny')),
    PRIMARY KEY (user_hash, sender_hash)
);
"""


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
    """Each user's sender rules, as keyed hashes only, in the API's SQLite database."""

    def __init__(self, path: Path, salt: bytes):
        self.db = Database(path, _SCHEMA)
        self._salt = salt

    def _hash(self, *parts: str) -> str:
        return hmac.new(self._salt, "\0".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()

    def record(self, user: str, sender: str, rule: str | None) -> None:
        """Set (or, with None, forget) this user's rule about a `sender_identity`."""
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
        """This user's rule about a `sender_identity`, or None."""
        row = self.db.connection().execute(
            "SELECT rule FROM sender_rules WHERE user_hash = ? AND sender_hash = ?",
            (self._hash("user", user), self._hash("sender", user, sender)),
        ).fetchone()
        return row[0] if row else None

    def rules_for(self, user: str) -> SenderRules:
        """This user's sender rules, for the engine to apply (looked up by hash, one sender at a time)."""
        return _StoredRules(self, user)


@dataclass(frozen=True)
class _StoredRules(SenderRules):
    store: FeedbackStore
    user: str

    def rule_for(self, identity: str) -> str | None:
        return self.store.rule(self.user, identity)
