"""MinHash fingerprints of skeletons, their LSH band keys, and the link rule.

A message is summarised by a datasketch MinHash over its skeleton's word shingles. Stores
find candidates by LSH band keys (one function here, so every store bands alike) and link a
candidate only when the estimated Jaccard similarity reaches `LINK_THRESHOLD`.

How the numbers were chosen (benchmarks/campaign_eval.py prints them): over the template
library (234 templates × 5 clean copies), each copy's best same-template similarity has its 1st
percentile at 0.49 (minimum 0.34: spintax and fields the slot finder cannot see, such as a
recent post, make copies differ), while the highest similarity between copies of different
templates is 0.21. LINK_THRESHOLD = 0.4 sits between, about four standard errors of a
128-value estimate (σ ≈ 0.043 at 0.4) above the cross-template maximum; 3-word shingles
separated the two groups better than 1- or 2-word ones. 32 bands × 3 rows find a candidate
with probability 1 − (1 − s³)³² ≈ 0.88 at s = 0.4 and 0.99 at 0.5, and a campaign keeps up
to MAX_REPS signatures, so a copy has several chances.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import numpy as np
from datasketch import MinHash

from detector.campaigns.skeleton import identity_slots, skeleton_tokens
from detector.message import Message
from detector.signals import Hit

NUM_PERM = 128
BANDS, ROWS = 32, 3
SHINGLE = 3
"""Words per shingle."""
MIN_TOKENS = 12
"""Shorter skeletons ("ok see you at xnumx") are shared by chance, so they are not fingerprinted."""
LINK_THRESHOLD = 0.4
SCHEME = "affine32"


@dataclass(frozen=True)
class Fingerprint:
    """What the index needs of one message. `tokens` and `recipient` stay in memory: stores
    persist only the signature and salted hashes."""

    signature: np.ndarray
    """uint32[NUM_PERM]."""
    tokens: tuple[str, ...]
    slot_types: frozenset[str]
    """Identity slot types masked in this copy (they hold the reader's own details)."""
    slot_spans: tuple[tuple[int, int], ...]
    recipient: str | None
    """Who received it (e-mail, else name), lower-cased; None when the record does not say."""
    message_id: str

    @property
    def digest(self) -> bytes:
        return self.signature.astype("<u4").tobytes()


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    return MinHash(NUM_PERM, scheme=SCHEME).permutations


def shingles(tokens: tuple[str, ...]) -> list[bytes]:
    if len(tokens) <= SHINGLE:
        return [" ".join(tokens).encode()]
    return [" ".join(tokens[i : i + SHINGLE]).encode() for i in range(len(tokens) - SHINGLE + 1)]


def signature(tokens: tuple[str, ...]) -> np.ndarray:
    minhash = MinHash(NUM_PERM, permutations=_permutations(), scheme=SCHEME)
    minhash.update_batch(shingles(tokens))
    return minhash.digest().astype(np.uint32)


def recipient_key(message: Message) -> str | None:
    person = message.recipient
    value = person.email or person.name or " ".join(filter(None, (person.first_name, person.last_name)))
    return value.strip().lower() or None if value else None


def fingerprint(message: Message, hits: Mapping[str, Hit]) -> Fingerprint | None:
    """The message's fingerprint, or None when its skeleton is too short to tell a template."""
    tokens = skeleton_tokens(message, hits)
    if len(tokens) < MIN_TOKENS:
        return None
    slots = identity_slots(hits)
    return Fingerprint(
        signature=signature(tokens),
        tokens=tokens,
        slot_types=frozenset(s["type"] for s in slots),
        slot_spans=tuple((s["start"], s["end"]) for s in slots),
        recipient=recipient_key(message),
        message_id=message.id,
    )


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard similarity of two signatures' shingle sets."""
    return float(np.count_nonzero(a == b)) / len(a)


_BAND_MIX = np.random.default_rng(20261123).integers(1, 2**63, size=(BANDS, ROWS + 1), dtype=np.uint64) | np.uint64(1)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per band: the band's rows and its index mixed by odd multipliers
    (vectorised; equal bands give equal keys, different bands collide with chance 2⁻⁶⁴)."""
    rows = sig[: BANDS * ROWS].astype(np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        mixed = (rows * _BAND_MIX[:, :ROWS]).sum(axis=1, dtype=np.uint64) + _BAND_MIX[:, ROWS] * np.arange(BANDS, dtype=np.uint64)
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
    return mixed.view(np.int64).tolist()


def campaign_id(sig: np.ndarray) -> str:
    """Stable public id of a campaign: a short hash of its first copy's signature."""
    return "c" + hashlib.blake2b(sig.astype("<u4").tobytes(), digest_size=6).hexdigest()
