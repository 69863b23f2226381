"""The in-memory campaign store: one run (`sincere score` input, one inbox scan, the API without a
shared store); LRU-bounded, gone with the process."""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from detector.campaigns.audio_fingerprint import rep_keys
from detector.campaigns.fingerprint import LINK_THRESHOLD, Fingerprint
from detector.campaigns.linking import DEFAULT_MAX_CAMPAIGNS, Campaign, LinkingStore

MAX_EXEMPLARS = 8
"""Skeletons kept per campaign for slot alignment (this store only; never persisted)."""


@dataclass
class _Entry:
    reps: list[np.ndarray] = field(default_factory=list)
    members: set[bytes] = field(default_factory=set)
    recipients: set[bytes] = field(default_factory=set)
    slot_types: set[str] = field(default_factory=set)
    fills: set[bytes] = field(default_factory=set)
    exemplars: dict[bytes, Fingerprint] = field(default_factory=dict)
    """Some copies' fingerprints (their skeleton words and figures), by member key."""
    last_seen: float = 0.0


class MemoryCampaignStore(LinkingStore):
    """In-memory index for one run (`sincere score` input, one inbox scan); LRU-bounded."""

    keeps_copies = True

    def __init__(self, salt: bytes | None = None, threshold: float = LINK_THRESHOLD,
                 ttl_s: float | None = None, max_campaigns: int | None = DEFAULT_MAX_CAMPAIGNS):
        super().__init__(salt or os.urandom(32), threshold, ttl_s, max_campaigns)
        self._lock = threading.RLock()
        self._campaigns: OrderedDict[str, _Entry] = OrderedDict()
        self._bands: dict[int, str | list[str]] = {}
        """Band key → campaign id, or a list of them when several share the band (rare; saves memory)."""
        self._members: dict[bytes, str] = {}

    def __len__(self) -> int:
        return len(self._campaigns)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            yield

    def _campaign_of(self, member: bytes) -> str | None:
        return self._members.get(member)

    def _touch(self, cid: str, now: float) -> None:
        self._campaigns[cid].last_seen = now
        self._campaigns.move_to_end(cid)

    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]:
        found: set[str] = set()
        for key in keys:
            holders = self._bands.get(key)
            if holders is not None:
                found.update([holders] if isinstance(holders, str) else holders)
        return {cid: self._campaigns[cid].reps for cid in found}

    def _create(self, cid: str, now: float) -> str:
        while cid in self._campaigns:
            cid += "x"
        self._campaigns[cid] = _Entry(last_seen=now)
        return cid

    def _reps(self, cid: str) -> list[np.ndarray]:
        return self._campaigns[cid].reps

    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None:
        entry = self._campaigns[cid]
        entry.reps.append(sig)
        for key in keys:
            holders = self._bands.setdefault(key, cid)
            if holders != cid:
                if isinstance(holders, str):
                    self._bands[key] = holders = [holders]
                if cid not in holders:
                    holders.append(cid)

    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None:
        entry = self._campaigns[cid]
        entry.members.add(member)
        entry.recipients.add(recipient)
        entry.slot_types |= fp.slot_types
        entry.fills.update(self.new_fills(fp, entry.fills))
        if len(entry.exemplars) < MAX_EXEMPLARS:
            entry.exemplars[member] = fp
        self._members[member] = cid
        self._touch(cid, now)

    def _state(self, cid: str) -> Campaign | None:
        entry = self._campaigns.get(cid)
        if entry is None:
            return None
        return Campaign(cid, len(entry.members), len(entry.recipients), frozenset(entry.slot_types), False)

    def _has_recipient(self, cid: str, recipient: bytes) -> bool:
        return recipient in self._campaigns[cid].recipients

    def _fills(self, cid: str) -> set[bytes]:
        return self._campaigns[cid].fills

    def _exemplars(self, cid: str, fp: Fingerprint | None, pitches: bool = False) -> tuple[tuple[str, ...], ...]:
        """Other copies' skeletons, or their pitches' where the copy asking is linked by its pitch."""
        kept = self._kept_copies(cid, fp)
        if pitches:
            return tuple(other.tokens[other.opening:] for other in kept if other.pitch is not None)
        return tuple(other.tokens for other in kept)

    def _kept_copies(self, cid: str, fp: Fingerprint | None) -> list[Fingerprint]:
        entry = self._campaigns.get(cid)
        if entry is None:
            return []
        own = self.member_key(fp) if fp is not None else None
        return [other for member, other in entry.exemplars.items() if member != own]

    def _evict(self, now: float) -> None:
        while self._campaigns:
            cid, entry = next(iter(self._campaigns.items()))
            expired = self.ttl_s is not None and entry.last_seen < now - self.ttl_s
            if not expired and (self.max_campaigns is None or len(self._campaigns) <= self.max_campaigns):
                return
            self._drop(cid)

    def _drop(self, cid: str) -> None:
        entry = self._campaigns.pop(cid)
        for key in (k for rep in entry.reps for k in rep_keys(rep)):  # text bands or audio keys
            holders = self._bands.get(key)
            if holders == cid:
                del self._bands[key]
            elif isinstance(holders, list) and cid in holders:
                holders.remove(cid)
                if not holders:
                    del self._bands[key]
        for member in entry.members:
            self._members.pop(member, None)
