"""Campaign index on Redis, for several API workers sharing one index.

Same contract and linking as the SQLite store. Adds are serialised by a Redis lock (find then
create must not race between workers); reads take no lock. Every key expires `ttl_s` after its
campaign was last seen; run Redis with `maxmemory` and `maxmemory-policy volatile-lru` to bound
memory (a campaign whose keys were evicted is simply no longer found). Keys and values hold
signatures, band keys, counts, slot type names and salted hashes only — never text, recipient ids
or the readers' names and companies.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from itertools import islice

import numpy as np
import redis

from detector.campaigns.audio_fingerprint import rep_keys
from detector.campaigns.fingerprint import FINGERPRINT_SCHEME, Fingerprint, check_scheme
from detector.campaigns.linking import DEFAULT_TTL_S, Campaign, LinkingStore
from detector.campaigns.stores.redis_layout import BAND_REFRESH_S, RedisLayout
from detector.campaigns.stores.redis_prefill import RedisBatch

LOCK_TIMEOUT_S = 10.0
PREFILL_CHUNK = 500
"""Copies linked and written together by a prefill (well inside the lock's timeout)."""

class RedisCampaignStore(LinkingStore):
    """The Redis backend: the storage primitives as Redis commands (layout: detector.campaigns.stores.redis_layout)."""

    def __init__(self, url: str = "redis://127.0.0.1:6379/0", salt: bytes | None = None,
                 ttl_s: float | None = DEFAULT_TTL_S, prefix: str = "sincere:cmp:", **kwargs):
        self.redis = redis.Redis.from_url(url)
        self.layout = RedisLayout(self.redis, prefix, ttl_s)
        self.redis.hsetnx(self.layout.meta(), "fingerprint", FINGERPRINT_SCHEME)
        check_scheme(self.redis.hget(self.layout.meta(), "fingerprint"), "the Redis campaign index")
        if salt is None:
            self.redis.hsetnx(self.layout.meta(), "salt", os.urandom(32))
            salt = self.redis.hget(self.layout.meta(), "salt")
        super().__init__(salt, ttl_s=ttl_s, max_campaigns=None, **kwargs)

    def __len__(self) -> int:
        """Campaigns stored (a SCAN over the keys: fine for a health check, slow with millions)."""
        return sum(1 for _ in self.redis.scan_iter(match=self.layout.campaigns_pattern(), count=1000))

    def close(self) -> None:
        """Close the connection pool."""
        self.redis.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.redis.lock(self.layout.lock(), timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S):
            yield

    def _reading(self):
        """Reads need no lock: each is one Redis round trip on a client that is thread-safe."""
        return nullcontext()

    def prefill(self, fingerprints: Iterable[Fingerprint | None]) -> None:
        """PREFILL_CHUNK copies at a time, each chunk under the lock, read and written in a few
        pipelined round trips (detector.campaigns.stores.redis_prefill): other workers wait for one
        chunk, not for a whole inbox."""
        fps = (fp for fp in fingerprints if fp is not None)
        while chunk := list(islice(fps, PREFILL_CHUNK)):
            with self._transaction():
                batch = RedisBatch(self, self.redis, self.layout, chunk)
                for fp in chunk:
                    batch.add(fp)
                batch.flush()

    def _campaign_of(self, member: bytes) -> str | None:
        cid = self.redis.get(self.layout.member(member.hex()))
        return cid.decode() if cid is not None and self.redis.exists(self.layout.campaign(cid.decode())) else None

    def _touch(self, cid: str, now: float) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self.layout.campaign(cid), "last_seen", now)
        self.layout.expire(pipe, *self.layout.campaign_keys(cid))
        pipe.execute()
        refreshed = float(self.redis.hget(self.layout.campaign(cid), "bands_at") or 0)
        if self.layout.expiry_s is not None and now - refreshed > BAND_REFRESH_S:
            pipe = self.redis.pipeline()
            for sig in self._reps(cid):  # text bands or audio keys
                self.layout.expire_all(keys=self.layout.bands(rep_keys(sig)), args=[self.layout.expiry_s], client=pipe)
            pipe.hset(self.layout.campaign(cid), "bands_at", now)
            pipe.execute()

    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]:
        found = self.layout.band_members(keys=self.layout.bands(keys))
        cids = sorted({c.decode() for members in found for c in members})
        pipe = self.redis.pipeline()
        for cid in cids:
            pipe.lrange(self.layout.reps(cid), 0, -1)
        return {cid: [np.frombuffer(s, dtype="<u4") for s in sigs]
                for cid, sigs in zip(cids, pipe.execute(), strict=True) if sigs}

    def _create(self, cid: str, now: float) -> str:
        while not self.redis.hsetnx(self.layout.campaign(cid), "last_seen", now):
            cid += "x"
        pipe = self.redis.pipeline()
        pipe.hset(self.layout.campaign(cid), mapping={"copies": 0, "recipients": 0, "slot_types": "", "bands_at": now})
        self.layout.expire(pipe, self.layout.campaign(cid))
        pipe.execute()
        return cid

    def _reps(self, cid: str) -> list[np.ndarray]:
        return [np.frombuffer(s, dtype="<u4") for s in self.redis.lrange(self.layout.reps(cid), 0, -1)]

    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None:
        pipe = self.redis.pipeline()
        pipe.rpush(self.layout.reps(cid), sig.astype("<u4").tobytes())
        self.layout.add_to_bands(keys=self.layout.bands(keys), args=[cid, self.layout.expiry_s or 0], client=pipe)
        self.layout.expire(pipe, self.layout.reps(cid))
        pipe.execute()

    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None:
        types = (self.redis.hget(self.layout.campaign(cid), "slot_types") or b"").decode()
        merged = ",".join(sorted(set(filter(None, types.split(","))) | fp.slot_types))
        new_recipient = self.redis.sadd(self.layout.readers(cid), recipient)
        fills = self.new_fills(fp, self._fills(cid))
        pipe = self.redis.pipeline()
        if fills:
            pipe.sadd(self.layout.fills(cid), *fills)
        pipe.set(self.layout.member(member.hex()), cid)
        pipe.hincrby(self.layout.campaign(cid), "copies", 1)
        pipe.hincrby(self.layout.campaign(cid), "recipients", new_recipient)
        pipe.hset(self.layout.campaign(cid), mapping={"slot_types": merged, "last_seen": now})
        self.layout.expire(pipe, self.layout.member(member.hex()), self.layout.campaign(cid), self.layout.readers(cid),
                           self.layout.fills(cid))
        pipe.execute()

    def _state(self, cid: str) -> Campaign | None:
        row = self.redis.hmget(self.layout.campaign(cid), "copies", "recipients", "slot_types")
        if row[0] is None:
            return None
        return Campaign(cid, int(row[0]), int(row[1]), frozenset(filter(None, row[2].decode().split(","))), False)

    def _has_recipient(self, cid: str, recipient: bytes) -> bool:
        return bool(self.redis.sismember(self.layout.readers(cid), recipient))

    def _fills(self, cid: str) -> set[bytes]:
        return set(self.redis.smembers(self.layout.fills(cid)))

    def _evict(self, now: float) -> None:
        """Redis expires keys itself (TTL) and evicts by `maxmemory-policy` (LRU)."""
