"""Audio prints linked in the campaign index, beside the text campaigns, by their own rule.

Any store (memory, SQLite, Redis) holds them with its ordinary storage primitives: an audio
campaign is a campaign whose signatures are encoded prints (detector.campaigns.audio_fingerprint),
found by its own lookup keys and joined when the offset-tolerant similarity reaches
AUDIO_LINK_THRESHOLD. Members and recipients are salted hashes, as for text.
"""

from __future__ import annotations

import time
from typing import Iterable

import numpy as np

from detector.campaigns.audio_fingerprint import (AUDIO_LINK_THRESHOLD, audio_campaign_id, audio_keys, encode,
                                                  is_audio, similarity)
from detector.campaigns.fingerprint import Fingerprint
from detector.campaigns.index import MAX_REPS, Campaign, CampaignStore, Joined


def audio_print(hashes: np.ndarray, recipient: str | None, message_id: str) -> Fingerprint:
    """What the index needs of one recording: its encoded print and who received it (no slots, no words)."""
    return Fingerprint(signature=encode(hashes), tokens=(), slot_types=frozenset(), slot_spans=(),
                       recipient=recipient, message_id=message_id)


def _best_match(store: CampaignStore, fp: Fingerprint, keys: list[int]) -> tuple[str | None, list[np.ndarray]]:
    best, best_reps, best_sim = None, [], AUDIO_LINK_THRESHOLD
    for cid, reps in store._candidates(keys).items():
        sim = max((similarity(fp.signature, r) for r in reps if is_audio(r)), default=0.0)
        if sim >= best_sim:
            best, best_reps, best_sim = cid, reps, sim
    return best, best_reps


def add_audio(store: CampaignStore, fp: Fingerprint) -> Joined:
    """Add one recording (idempotent per recipient, id and print); it joins the most similar audio campaign."""
    member, recipient = store.member_key(fp), store.recipient_key(fp)
    now = time.time()
    with store._transaction():
        known = store._campaign_of(member)
        if known is not None:
            store._touch(known, now)
            return Joined(known, fp.digest)
        keys = audio_keys(fp.signature)
        cid, reps = _best_match(store, fp, keys)
        if cid is None:
            cid = store._create(audio_campaign_id(fp.signature), now)
        if len(reps) < MAX_REPS and all(r.tobytes() != fp.signature.tobytes() for r in reps):
            store._add_rep(cid, fp.signature, keys)
        store._join(cid, member, recipient, fp, now)
        store._evict(now)
    return Joined(cid, fp.digest)


def link_audio(store: CampaignStore, prints: Iterable[Fingerprint | None]) -> list[Campaign | None]:
    """Add every recording, then report each one's audio campaign (None: no other copy known)."""
    fps = list(prints)
    joined = [add_audio(store, fp) if fp is not None else None for fp in fps]
    return [store.campaign(j, fp) if j is not None else None for j, fp in zip(joined, fps)]
