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
from detector.campaigns.index import DEFAULT_TTL_S, Campaign, CampaignStore

LOCK_TIMEOUT_S = 10.0
PREFILL_CHUNK = 500
"""Copies linked and written together by a prefill (well inside the lock's timeout)."""
BAND_MEMBERS = "local out = {} for i, key in ipairs(KEYS) do out[i] = redis.call('SMEMBERS', key) end return out"
ADD_TO_BANDS = """local ttl = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  redis.call('SADD', key, ARGV[1])
  if ttl > 0 then redis.call('EXPIRE', key, ttl) end
end
return #KEYS"""
EXPIRE_ALL = "for _, key in ipairs(KEYS) do redis.call('EXPIRE', key, ARGV[1]) end return #KEYS"
"""Server-side loops over a signature's 32 band keys: one command instead of 32 or 64."""
BAND_REFRESH_S = 3600.0
"""Band keys of a busy campaign get their expiry pushed back at most this often."""


class RedisCampaignStore(CampaignStore):
    def __init__(self, url: str = "redis://127.0.0.1:6379/0", salt: bytes | None = None,
                 ttl_s: float | None = DEFAULT_TTL_S, prefix: str = "sincere:cmp:", **kwargs):
        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix
        self.redis.hsetnx(self._k("meta"), "fingerprint", FINGERPRINT_SCHEME)
        check_scheme(self.redis.hget(self._k("meta"), "fingerprint"), "the Redis campaign index")
        if salt is None:
            self.redis.hsetnx(self._k("meta"), "salt", os.urandom(32))
            salt = self.redis.hget(self._k("meta"), "salt")
        super().__init__(salt, ttl_s=ttl_s, max_campaigns=None, **kwargs)
        self._ttl = int(ttl_s) if ttl_s is not None else None
        self.band_members = self.redis.register_script(BAND_MEMBERS)
        self.add_to_bands = self.redis.register_script(ADD_TO_BANDS)
        self.expire_all = self.redis.register_script(EXPIRE_ALL)

    def _k(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)

    def __len__(self) -> int:
        """Campaigns stored (a SCAN over the keys: fine for a health check, slow with millions)."""
        return sum(1 for _ in self.redis.scan_iter(match=self._k("c", "*"), count=1000))

    def close(self) -> None:
        self.redis.close()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self.redis.lock(self._k("lock"), timeout=LOCK_TIMEOUT_S, blocking_timeout=LOCK_TIMEOUT_S):
            yield

    def _reading(self):
        """Reads need no lock: each is one Redis round trip on a client that is thread-safe."""
        return nullcontext()

    def prefill(self, fingerprints: Iterable[Fingerprint | None]) -> None:
        """PREFILL_CHUNK copies at a time, each chunk under the lock, read and written in a few
        pipelined round trips (detector.campaigns.redis_prefill): other workers wait for one
        chunk, not for a whole inbox."""
        from detector.campaigns.redis_prefill import RedisBatch

        fps = (fp for fp in fingerprints if fp is not None)
        while chunk := list(islice(fps, PREFILL_CHUNK)):
            with self._transaction():
                batch = RedisBatch(self, chunk)
                for fp in chunk:
                    batch.add(fp)
                batch.flush()

    def _expire(self, pipe, *keys: str) -> None:
        if self._ttl is not None:
            for key in keys:
                pipe.expire(key, self._ttl)

    def _campaign_of(self, member: bytes) -> str | None:
        cid = self.redis.get(self._k("m", member.hex()))
        return cid.decode() if cid is not None and self.redis.exists(self._k("c", cid.decode())) else None

    def _touch(self, cid: str, now: float) -> None:
        pipe = self.redis.pipeline()
        pipe.hset(self._k("c", cid), "last_seen", now)
        self._expire(pipe, self._k("c", cid), self._k("r", cid), self._k("u", cid), self._k("f", cid))
        pipe.execute()
        refreshed = float(self.redis.hget(self._k("c", cid), "bands_at") or 0)
        if self._ttl is not None and now - refreshed > BAND_REFRESH_S:
            pipe = self.redis.pipeline()
            for sig in self._reps(cid):  # text bands or audio keys
                self.expire_all(keys=[self._k("b", str(k)) for k in rep_keys(sig)], args=[self._ttl], client=pipe)
            pipe.hset(self._k("c", cid), "bands_at", now)
            pipe.execute()

    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]:
        found = self.band_members(keys=[self._k("b", str(key)) for key in keys])
        cids = sorted({c.decode() for members in found for c in members})
        pipe = self.redis.pipeline()
        for cid in cids:
            pipe.lrange(self._k("r", cid), 0, -1)
        return {cid: [np.frombuffer(s, dtype="<u4") for s in sigs]
                for cid, sigs in zip(cids, pipe.execute()) if sigs}

    def _create(self, cid: str, now: float) -> str:
        while not self.redis.hsetnx(self._k("c", cid), "last_seen", now):
            cid += "x"
        pipe = self.redis.pipeline()
        pipe.hset(self._k("c", cid), mapping={"copies": 0, "recipients": 0, "slot_types": "", "bands_at": now})
        self._expire(pipe, self._k("c", cid))
        pipe.execute()
        return cid

    def _reps(self, cid: str) -> list[np.ndarray]:
        return [np.frombuffer(s, dtype="<u4") for s in self.redis.lrange(self._k("r", cid), 0, -1)]

    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None:
        pipe = self.redis.pipeline()
        pipe.rpush(self._k("r", cid), sig.astype("<u4").tobytes())
        self.add_to_bands(keys=[self._k("b", str(k)) for k in keys], args=[cid, self._ttl or 0], client=pipe)
        self._expire(pipe, self._k("r", cid))
        pipe.execute()

    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None:
        types = (self.redis.hget(self._k("c", cid), "slot_types") or b"").decode()
        merged = ",".join(sorted(set(filter(None, types.split(","))) | fp.slot_types))
        new_recipient = self.redis.sadd(self._k("u", cid), recipient)
        fills = self.new_fills(fp, self._fills(cid))
        pipe = self.redis.pipeline()
        if fills:
            pipe.sadd(self._k("f", cid), *fills)
        pipe.set(self._k("m", member.hex()), cid)
        pipe.hincrby(self._k("c", cid), "copies", 1)
        pipe.hincrby(self._k("c", cid), "recipients", new_recipient)
        pipe.hset(self._k("c", cid), mapping={"slot_types": merged, "last_seen": now})
        self._expire(pipe, self._k("m", member.hex()), self._k("c", cid), self._k("u", cid), self._k("f", cid))
        pipe.execute()

    def _state(self, cid: str) -> Campaign | None:
        row = self.redis.hmget(self._k("c", cid), "copies", "recipients", "slot_types")
        if row[0] is None:
            return None
        return Campaign(cid, int(row[0]), int(row[1]), frozenset(filter(None, row[2].decode().split(","))), False)

    def _has_recipient(self, cid: str, recipient: bytes) -> bool:
        return bool(self.redis.sismember(self._k("u", cid), recipient))

    def _fills(self, cid: str) -> set[bytes]:
        return set(self.redis.smembers(self._k("f", cid)))

    def _evict(self, now: float) -> None:
        """Redis expires keys itself (TTL) and evicts by `maxmemory-policy` (LRU)."""
