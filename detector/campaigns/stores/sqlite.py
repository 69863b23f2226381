"""Persistent campaign index in one SQLite file: the API's embedded default.

WAL journal, so readers never block the writer and a killed writer leaves the last committed
state (each `add` is one IMMEDIATE transaction; a `prefill` is one too). The file holds MinHash
signatures, LSH band keys, counts, slot type names and salted hashes only — never message text,
recipient ids or the readers' names and companies. A prefill writes its band keys in key order,
STAGED_BANDS rows at a time (32 rows a signature are most of the work, and sorted inserts touch
each page about once).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from detector.campaigns.audio_fingerprint import rep_keys
from detector.campaigns.fingerprint import FINGERPRINT_SCHEME, NUM_PERM, Fingerprint, check_scheme
from detector.campaigns.linking import DEFAULT_MAX_CAMPAIGNS, DEFAULT_TTL_S, Campaign, LinkingStore

EVICT_EVERY = 1000
"""Adds between eviction sweeps (TTL, then least recently seen beyond the cap)."""
STAGED_BANDS = 2_000_000
"""Band rows a prefill holds before writing them (sorted): bounds its memory to a few hundred MB."""
CACHE_MIB = 64
MMAP_MIB = 1024
"""Page cache and memory map per connection: band lookups are random reads all over the file."""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS campaigns (
    id TEXT PRIMARY KEY, copies INTEGER NOT NULL DEFAULT 0, recipients INTEGER NOT NULL DEFAULT 0,
    slot_types TEXT NOT NULL DEFAULT '', last_seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS campaigns_last_seen ON campaigns (last_seen);
CREATE TABLE IF NOT EXISTS reps (campaign TEXT NOT NULL, signature BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS reps_campaign ON reps (campaign);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, campaign TEXT NOT NULL, PRIMARY KEY (key, campaign))
    WITHOUT ROWID;
DROP INDEX IF EXISTS bands_campaign;
CREATE TABLE IF NOT EXISTS members (hash BLOB PRIMARY KEY, campaign TEXT NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_campaign ON members (campaign);
CREATE TABLE IF NOT EXISTS recipients (campaign TEXT NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (campaign, hash))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fills (campaign TEXT NOT NULL, hash BLOB NOT NULL, PRIMARY KEY (campaign, hash))
    WITHOUT ROWID;
"""


class SqliteCampaignStore(LinkingStore):
    """The SQLite backend: one file, persistent, for one process or the API's workers on one host."""

    def __init__(self, path: str | Path, salt: bytes | None = None, ttl_s: float | None = DEFAULT_TTL_S,
                 max_campaigns: int | None = DEFAULT_MAX_CAMPAIGNS, **kwargs):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Readable by this user only (SQLite gives its -wal and -shm files the same mode).
        os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600))
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.execute(f"PRAGMA cache_size={-CACHE_MIB * 1024}")
        self._db.execute(f"PRAGMA mmap_size={MMAP_MIB * 2**20}")
        self._lock = threading.RLock()
        self._adds = 0
        self._staged_bands: dict[int, list[str]] | None = None
        """Band keys added by the prefill under way, not yet written (None outside one)."""
        self._staged_rows = 0
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    self._db.execute(statement)
                stored = self._one("SELECT value FROM meta WHERE key = 'salt'")
                if salt is None and stored is None:
                    salt = os.urandom(32)
                    self._db.execute("INSERT INTO meta VALUES ('salt', ?)", (salt,))
                elif salt is None:
                    salt = bytes(stored[0])
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('num_perm', ?)", (str(NUM_PERM),))
                self._db.execute("INSERT OR IGNORE INTO meta VALUES ('fingerprint', ?)", (FINGERPRINT_SCHEME,))
                check_scheme(self._one("SELECT value FROM meta WHERE key = 'fingerprint'")[0], str(path))
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        super().__init__(salt, ttl_s=ttl_s, max_campaigns=max_campaigns, **kwargs)

    def __len__(self) -> int:
        with self._lock:
            return self._one("SELECT COUNT(*) FROM campaigns")[0]

    def _one(self, sql: str, args: tuple = ()) -> tuple | None:
        """First row of a query, its cursor exhausted: a half-read cursor keeps a read snapshot
        open, and another process's commit then makes this connection's next write fail at once
        ("database is locked") instead of waiting."""
        rows = self._db.execute(sql, args).fetchall()
        return rows[0] if rows else None

    @contextmanager
    def _reading(self) -> Iterator[None]:
        with self._lock:
            yield

    def close(self) -> None:
        """Close the database connection."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One IMMEDIATE transaction; nested uses join the outer one (a prefill commits once)."""
        with self._lock:
            if self._db.in_transaction:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def prefill(self, fingerprints: Iterable[Fingerprint | None]) -> None:
        """Index a whole inbox in one transaction, its band rows staged and written sorted."""
        with self._transaction():
            self._staged_bands, self._staged_rows = {}, 0
            try:
                super().prefill(fingerprints)
                self._write_staged_bands()
            finally:
                self._staged_bands = None

    def _write_staged_bands(self) -> None:
        """Write the prefill's band keys so far, in key order (also before a sweep deletes by them)."""
        if self._staged_bands:
            rows = [(k, c) for k in sorted(self._staged_bands) for c in self._staged_bands[k]]
            self._staged_bands.clear()
            self._staged_rows = 0
            self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", rows)

    def _campaign_of(self, member: bytes) -> str | None:
        row = self._one("SELECT campaign FROM members WHERE hash = ?", (member,))
        return row[0] if row else None

    def _touch(self, cid: str, now: float) -> None:
        self._db.execute("UPDATE campaigns SET last_seen = ? WHERE id = ?", (now, cid))

    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]:
        marks = ",".join("?" * len(keys))
        cids = {c for (c,) in self._db.execute(f"SELECT DISTINCT campaign FROM bands WHERE key IN ({marks})", keys)}
        if self._staged_bands:
            cids.update(c for k in keys for c in self._staged_bands.get(k, ()))
        if not cids:
            return {}
        rows = self._db.execute(f"SELECT campaign, signature FROM reps WHERE campaign IN ({','.join('?' * len(cids))})",
                                sorted(cids)).fetchall()
        found: dict[str, list[np.ndarray]] = {}
        for cid, sig in rows:
            found.setdefault(cid, []).append(np.frombuffer(sig, dtype="<u4"))
        return found

    def _create(self, cid: str, now: float) -> str:
        while self._one("SELECT 1 FROM campaigns WHERE id = ?", (cid,)):
            cid += "x"
        self._db.execute("INSERT INTO campaigns (id, last_seen) VALUES (?, ?)", (cid, now))
        return cid

    def _reps(self, cid: str) -> list[np.ndarray]:
        rows = self._db.execute("SELECT signature FROM reps WHERE campaign = ?", (cid,)).fetchall()
        return [np.frombuffer(sig, dtype="<u4") for (sig,) in rows]

    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None:
        self._db.execute("INSERT INTO reps VALUES (?, ?)", (cid, sig.astype("<u4").tobytes()))
        if self._staged_bands is not None:
            for k in keys:
                self._staged_bands.setdefault(k, []).append(cid)
            self._staged_rows += len(keys)
            if self._staged_rows >= STAGED_BANDS:
                self._write_staged_bands()
        else:
            self._db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)", [(k, cid) for k in keys])

    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None:
        self._db.execute("INSERT INTO members VALUES (?, ?)", (member, cid))
        new_recipient = self._db.execute("INSERT OR IGNORE INTO recipients VALUES (?, ?)", (cid, recipient)).rowcount
        (types,) = self._one("SELECT slot_types FROM campaigns WHERE id = ?", (cid,))
        merged = ",".join(sorted(set(filter(None, types.split(","))) | fp.slot_types))
        self._db.execute(
            "UPDATE campaigns SET copies = copies + 1, recipients = recipients + ?, slot_types = ?, last_seen = ? "
            "WHERE id = ?", (new_recipient, merged, now, cid))
        self._db.executemany("INSERT INTO fills VALUES (?, ?)",
                             [(cid, key) for key in self.new_fills(fp, self._fills(cid))])
        self._adds += 1

    def _state(self, cid: str) -> Campaign | None:
        row = self._one("SELECT copies, recipients, slot_types FROM campaigns WHERE id = ?", (cid,))
        if row is None:
            return None
        return Campaign(cid, row[0], row[1], frozenset(filter(None, row[2].split(","))), False)

    def _has_recipient(self, cid: str, recipient: bytes) -> bool:
        return self._one("SELECT 1 FROM recipients WHERE campaign = ? AND hash = ?", (cid, recipient)) is not None

    def _fills(self, cid: str) -> set[bytes]:
        return {bytes(h) for (h,) in self._db.execute("SELECT hash FROM fills WHERE campaign = ?", (cid,)).fetchall()}

    def _evict(self, now: float) -> None:
        if self._adds % EVICT_EVERY == 0:
            self._sweep(now)

    def sweep(self, now: float | None = None) -> None:
        """Drop expired and least recently seen campaigns now (otherwise every EVICT_EVERY adds)."""
        with self._transaction():
            self._sweep(time.time() if now is None else now)

    def _sweep(self, now: float) -> None:
        doomed: list[str] = []
        if self.ttl_s is not None:
            doomed += [r[0] for r in self._db.execute("SELECT id FROM campaigns WHERE last_seen < ?",
                                                      (now - self.ttl_s,))]
        if self.max_campaigns is not None:
            excess = len(self) - len(doomed) - self.max_campaigns
            if excess > 0:
                doomed += [r[0] for r in self._db.execute(
                    "SELECT id FROM campaigns WHERE last_seen >= ? ORDER BY last_seen LIMIT ?",
                    (now - self.ttl_s if self.ttl_s is not None else float("-inf"), excess))]
        if not doomed:
            return
        self._write_staged_bands()
        self._db.executemany("DELETE FROM bands WHERE key = ? AND campaign = ?",
                             [(k, c) for c in doomed for sig in self._reps(c) for k in rep_keys(sig)])
        for table, column in (("reps", "campaign"), ("members", "campaign"), ("recipients", "campaign"),
                              ("fills", "campaign"), ("campaigns", "id")):
            self._db.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(c,) for c in doomed])
