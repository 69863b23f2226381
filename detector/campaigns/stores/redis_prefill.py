"""Bulk prefill for the Redis store: a chunk of copies linked in a few pipelined round trips.

Adding one copy at a time costs about ten round trips (lock, lookups, writes); an inbox of
thousands, or a benchmark of a million, would wait on the network. A `RedisBatch` reads all a
chunk needs at once (member keys, band keys, the candidate campaigns' counts and signatures),
links the chunk with the same rule as every store (`LinkingStore.add`) against that snapshot
and its own additions, and writes the result in one pipeline. The caller holds the store's lock for
the chunk, so the snapshot stays true while it is linked and counts can be written as values;
readers without the lock may see part of a chunk, as they may see part of a single add.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass, field

import numpy as np

from detector.campaigns.audio_fingerprint import rep_campaign_id, rep_keys
from detector.campaigns.fingerprint import Fingerprint
from detector.campaigns.linking import Campaign, LinkingStore
from detector.campaigns.stores.redis_layout import BAND_REFRESH_S, RedisLayout

_FIELDS = ("last_seen", "copies", "recipients", "slot_types", "bands_at")


@dataclass
class _State:
    last_seen: float
    copies: int = 0
    recipients: int = 0
    slot_types: set[str] = field(default_factory=set)
    bands_at: float = 0.0
    readers: set[bytes] = field(default_factory=set)
    """Recipient hashes known to be in the campaign (all of them for one created in this chunk)."""
    complete: bool = False
    """Whether `readers` is every recipient (else absent ones are asked of Redis)."""
    fills: set[bytes] | None = None
    """The campaign's kept fills (None: not read from Redis yet)."""


class RedisBatch(LinkingStore):
    """One chunk of a prefill: Redis as read at the start, plus what the chunk added."""

    def __init__(self, store: LinkingStore, client, layout: RedisLayout, fps: list[Fingerprint]):
        """`store` lends its salt and thresholds; `client` and `layout` are its Redis connection and keys."""
        super().__init__(store.salt, store.threshold, store.ttl_s, None)
        self.unvaried_threshold = store.unvaried_threshold
        self.redis, self.layout = client, layout
        self.pipe = self.redis.pipeline(transaction=False)
        members = [self.member_key(fp).hex() for fp in fps]
        keys = sorted({k for fp in fps for sig in (fp.signature, *fp.pitch_probes()) for k in rep_keys(sig)})
        own_ids = [rep_campaign_id(fp.signature) for fp in fps]
        groups = [layout.bands(keys[start : start + 32]) for start in range(0, len(keys), 32)]
        read = self.redis.pipeline(transaction=False)
        for m in members:
            read.get(layout.member(m))
        for cid in own_ids:
            read.exists(layout.campaign(cid))
        for group in groups:
            read.exists(*group)  # most band keys of new copies are new: fetch the members of the rest only
        found = read.execute()
        self.members = {m: (c.decode() if c is not None else None) for m, c in zip(members, found, strict=False)}
        self.checked = set(own_ids)
        self.taken = {cid for cid, n in zip(own_ids, found[len(members):], strict=False) if n}
        """Campaign ids that exist in Redis, of those `checked` (`_create` must not reuse one)."""
        held = [i for i, n in enumerate(found[len(members) + len(own_ids):]) if n]
        for i in held:
            layout.band_members(keys=groups[i], client=read)
        self.bands: dict[int, set[str]] = {}
        for i, sets in zip(held, read.execute(), strict=False):
            for key, cids in zip(keys[i * 32 : i * 32 + 32], sets, strict=False):
                if cids:
                    self.bands[key] = {c.decode() for c in cids}
        known = sorted({c for c in self.members.values() if c} | {c for cids in self.bands.values() for c in cids})
        for cid in known:
            read.hmget(layout.campaign(cid), *_FIELDS)
            read.lrange(layout.reps(cid), 0, -1)
        found = read.execute()
        self.states: dict[str, _State] = {}
        self.reps: dict[str, list[np.ndarray]] = {}
        for cid, row, sigs in zip(known, found[::2], found[1::2], strict=False):
            if row[1] is not None:
                self.states[cid] = _State(float(row[0] or 0), int(row[1]), int(row[2] or 0),
                                          set(filter(None, (row[3] or b"").decode().split(","))), float(row[4] or 0))
                self.reps[cid] = [np.frombuffer(s, dtype="<u4") for s in sigs]
                self.taken.add(cid)

    def flush(self) -> None:
        """Write what the chunk linked, in one pipeline."""
        self.pipe.execute()

    def _transaction(self):
        return nullcontext()

    def _knows(self, cid: str, recipient: bytes) -> bool:
        state = self.states[cid]
        if recipient not in state.readers and not state.complete:
            if self.redis.sismember(self.layout.readers(cid), recipient):
                state.readers.add(recipient)
        return recipient in state.readers

    # ------------------------------------------------ the primitives, on the snapshot

    def _campaign_of(self, member: bytes) -> str | None:
        cid = self.members.get(member.hex())
        return cid if cid in self.states else None

    def _touch(self, cid: str, now: float) -> None:
        state, layout = self.states[cid], self.layout
        state.last_seen = now
        self.pipe.hset(layout.campaign(cid), "last_seen", now)
        layout.expire(self.pipe, *layout.campaign_keys(cid))
        if layout.expiry_s is not None and now - state.bands_at > BAND_REFRESH_S:
            for sig in self.reps[cid]:
                layout.expire_all(keys=layout.bands(rep_keys(sig)), args=[layout.expiry_s], client=self.pipe)
            self.pipe.hset(layout.campaign(cid), "bands_at", now)
            state.bands_at = now

    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]:
        cids = sorted({c for key in keys for c in self.bands.get(key, ())})
        return {cid: self.reps[cid] for cid in cids if self.reps.get(cid)}

    def _create(self, cid: str, now: float) -> str:
        while cid in self.taken or (cid not in self.checked and self.redis.exists(self.layout.campaign(cid))):
            cid += "x"
        self.taken.add(cid)
        self.states[cid] = _State(last_seen=now, bands_at=now, complete=True, fills=set())
        self.reps[cid] = []
        self.pipe.hset(self.layout.campaign(cid), mapping={"last_seen": now, "bands_at": now})
        return cid  # `_join` follows at once and writes the rest, with the expiry

    def _reps(self, cid: str) -> list[np.ndarray]:
        return self.reps.get(cid, [])

    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None:
        layout = self.layout
        self.reps[cid].append(sig)
        self.pipe.rpush(layout.reps(cid), sig.astype("<u4").tobytes())
        for key in keys:
            self.bands.setdefault(key, set()).add(cid)
        layout.add_to_bands(keys=layout.bands(keys), args=[cid, layout.expiry_s or 0], client=self.pipe)
        layout.expire(self.pipe, layout.reps(cid))

    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None:
        state, layout = self.states[cid], self.layout
        state.recipients += not self._knows(cid, recipient)
        state.readers.add(recipient)
        state.copies += 1
        state.slot_types |= fp.slot_types
        state.last_seen = now
        self.members[member.hex()] = cid
        self.pipe.set(layout.member(member.hex()), cid, ex=layout.expiry_s)
        self.pipe.hset(layout.campaign(cid), mapping={"copies": state.copies, "recipients": state.recipients,
                                             "slot_types": ",".join(sorted(state.slot_types)), "last_seen": now})
        self.pipe.sadd(layout.readers(cid), recipient)
        kept = self._fills(cid)
        fills = self.new_fills(fp, kept)
        if fills:
            kept.update(fills)
            self.pipe.sadd(layout.fills(cid), *fills)
        layout.expire(self.pipe, layout.campaign(cid), layout.readers(cid), layout.fills(cid))

    def _state(self, cid: str) -> Campaign | None:
        state = self.states.get(cid)
        if state is None:
            return None
        return Campaign(cid, state.copies, state.recipients, frozenset(state.slot_types), False)

    def _has_recipient(self, cid: str, recipient: bytes) -> bool:
        return self._knows(cid, recipient)

    def _fills(self, cid: str) -> set[bytes]:
        state = self.states[cid]
        if state.fills is None:
            state.fills = set(self.redis.smembers(self.layout.fills(cid)))
        return state.fills

    def _evict(self, now: float) -> None:
        """Redis expires keys itself."""
