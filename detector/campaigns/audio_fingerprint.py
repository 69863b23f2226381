"""Audio campaign fingerprints: one recording sent to many people, with only a name spliced in.

A recording is summarised by its Chromaprint fingerprint (`fpcalc` from Debian's
`libchromaprint-tools`): one 32-bit hash per ~0.124 s of audio, at 8 kHz so a wide-band file and
its telephone copy compare alike. Two prints are compared chunk by chunk: each ~1 s chunk of one
is looked for at ANY offset in the other, and a chunk is found when under CHUNK_BIT_ERRORS of its
bits differ. The similarity is the share of chunks found, taken both ways (the smaller), so a
first name spliced in (a chunk or two missing, everything after it shifted) keeps a copy at
about 0.9, while another script in the same voice finds almost nothing (≤ 0.06 measured, see
tests/detector/campaigns/test_audio_fingerprint.py).

In the campaign index an audio print is one more signature kind: the stored value is the hash
sequence behind a marker (`encode`), never audio or words, and its lookup keys are the
recording's most selective 16-bit hash tokens (the robust high bit of each of Chromaprint's 16
classifiers), which do not depend on where in the recording they occur.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess

import numpy as np

from detector.campaigns.fingerprint import Fingerprint, band_keys, campaign_id, is_pitch, pitch_keys

FPCALC = "fpcalc"
FPCALC_TIMEOUT_S = 60
FINGERPRINT_SECONDS = 120
"""Only the first two minutes are fingerprinted (Chromaprint's own default); a drop is shorter."""
ITEM_SECONDS = 4096 / 3 / 11025
"""Chromaprint's hop: one hash per 1365 samples at its 11,025 Hz."""
CHUNK = 8
"""Hashes per compared chunk (~1 s)."""
CHUNK_BIT_ERRORS = 0.25
"""A chunk is found where under this share of its bits differ (unrelated audio: ~0.5; copies
through a telephone codec: 0.04–0.16)."""
AUDIO_LINK_THRESHOLD = 0.5
"""Share of chunks (both ways) that makes two recordings one campaign."""
MIN_CHUNKS = 3
"""Recordings shorter than this many chunks (~3 s) are not fingerprinted."""
MIN_SHARED_TOKENS = 6
"""Candidates sharing fewer hash tokens are rejected before the chunk search (copies share ≥ 16)."""
MAX_KEYS = 256
"""Lookup keys per stored print: the smallest by hash, so every copy picks the same ones."""
MAGIC = 0x41554430
"""First word of an encoded audio signature ("AUD0"); the second is the number of hashes."""
_HIGH_BITS = [2 * i + 1 for i in range(16)]
_KEY_SALT = np.uint64(0x9E3779B97F4A7C15)
_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


class FingerprintUnavailable(RuntimeError):
    """fpcalc is not installed or failed on this audio."""


class FpcalcMissing(FingerprintUnavailable):
    """fpcalc is not installed: no recording of the run can be fingerprinted."""


def missing_reason() -> str | None:
    """Why recordings cannot be fingerprinted here (for /readyz and skipped tests), or None."""
    if shutil.which(FPCALC) is None:
        return "fpcalc not on PATH (apt-get install libchromaprint-tools)"
    return None


def chromaprint(samples: np.ndarray, rate: int = 8000) -> np.ndarray:
    """The raw Chromaprint hashes (uint32) of mono float32 audio."""
    if (reason := missing_reason()) is not None:
        raise FpcalcMissing(reason)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    command = [FPCALC, "-raw", "-format", "s16le", "-rate", str(rate), "-channels", "1",
               "-length", str(FINGERPRINT_SECONDS), "-"]
    try:
        done = subprocess.run(command, input=pcm, capture_output=True, timeout=FPCALC_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise FingerprintUnavailable("fpcalc timed out") from None
    line = next((ln for ln in done.stdout.decode("ascii", "replace").splitlines() if ln.startswith("FINGERPRINT=")), "")
    # Debian's fpcalc 1.5.1 exits 3 ("Error decoding audio frame (End of file)") at the end of every
    # stream even though it printed the whole fingerprint; any other failure prints none.
    if not line or done.returncode not in (0, 3):
        raise FingerprintUnavailable(f"fpcalc failed (exit {done.returncode})")
    values = line.split("=", 1)[1]
    return np.array([int(v) for v in values.split(",") if v], dtype=np.uint32)


def encode(hashes: np.ndarray) -> np.ndarray:
    """The signature stored in the campaign index: marker, length, hashes."""
    return np.concatenate([np.array([MAGIC, hashes.size], dtype=np.uint32), hashes.astype(np.uint32)])


def is_audio(signature: np.ndarray) -> bool:
    """Whether a stored signature is an audio print (they share the stores with text signatures)."""
    return signature.size >= 2 and int(signature[0]) == MAGIC and int(signature[1]) == signature.size - 2


def hashes_of(signature: np.ndarray) -> np.ndarray:
    """An audio print's chromaprint hashes, without its header."""
    return signature[2:].astype(np.uint32)


def tokens(hashes: np.ndarray) -> np.ndarray:
    """The high bit of each classifier's 2-bit code, packed to 16 bits: the bits that survive a codec."""
    out = np.zeros(hashes.size, dtype=np.uint32)
    for i, bit in enumerate(_HIGH_BITS):
        out |= ((hashes >> np.uint32(bit)) & np.uint32(1)) << np.uint32(i)
    return out


def audio_keys(signature: np.ndarray) -> list[int]:
    """Signed 64-bit lookup keys: the MAX_KEYS smallest mixed distinct tokens (a bottom-k sketch)."""
    distinct = np.unique(tokens(hashes_of(signature))).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (distinct + _KEY_SALT) * np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(31)
        mixed *= np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(29)
    return np.sort(mixed.view(np.int64))[:MAX_KEYS].tolist()


def rep_keys(signature: np.ndarray) -> list[int]:
    """Lookup keys of any stored signature: audio prints their own, text MinHash its LSH bands
    (a pitch signature in its own key space)."""
    if is_audio(signature):
        return audio_keys(signature)
    return pitch_keys(signature) if is_pitch(signature) else band_keys(signature)


def kind(signature: np.ndarray) -> str:
    """What a stored signature summarises: a recording, a message's pitch, or a whole message."""
    return "audio" if is_audio(signature) else "pitch" if is_pitch(signature) else "text"


def _bit_errors(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x = np.ascontiguousarray(a[:, None] ^ b[None, :]).astype("<u4")
    return _POPCOUNT[x.view(np.uint8)].reshape(a.size, b.size, 4).sum(axis=2, dtype=np.int32)


def _informative(hashes: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Chunks that are not one repeated hash (digital silence or a held tone match anything alike)."""
    return np.array([np.unique(hashes[s:s + CHUNK]).size > 1 for s in starts], dtype=bool)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Offset-tolerant similarity of two encoded audio signatures, 0..1 (see the module doc)."""
    if not (is_audio(a) and is_audio(b)):
        return 0.0
    x, y = hashes_of(a), hashes_of(b)
    if min(x.size, y.size) < MIN_CHUNKS * CHUNK:
        return 0.0
    if np.intersect1d(tokens(x), tokens(y)).size < MIN_SHARED_TOKENS:
        return 0.0
    errors = _bit_errors(x, y)
    rows, cols = x.size - CHUNK + 1, y.size - CHUNK + 1
    window = sum(errors[i:i + rows, i:i + cols] for i in range(CHUNK))  # window[r, c]: chunk at r vs at c
    limit = CHUNK_BIT_ERRORS * 32 * CHUNK
    shares = []
    for hashes, best in ((x, window.min(axis=1)), (y, window.min(axis=0))):
        starts = np.arange(0, hashes.size - CHUNK + 1, CHUNK)
        kept = _informative(hashes, starts)
        if not kept.any():
            return 0.0
        shares.append(float(np.mean(best[starts][kept] < limit)))
    return min(shares)


def audio_campaign_id(signature: np.ndarray) -> str:
    """Public id of an audio campaign: "a" and a short hash of its first copy's print."""
    return "a" + hashlib.blake2b(signature.astype("<u4").tobytes(), digest_size=6).hexdigest()


def rep_campaign_id(signature: np.ndarray) -> str:
    """Public id of a campaign started by a signature of either kind."""
    if is_audio(signature):
        return audio_campaign_id(signature)
    return campaign_id(signature[2:] if is_pitch(signature) else signature)


def audio_print(hashes: np.ndarray, recipient: str | None, message_id: str) -> Fingerprint:
    """What the campaign index needs of one recording: its encoded print and who received it (no
    slots, no words); `LinkingStore.link` links it like any copy."""
    return Fingerprint(signature=encode(hashes), tokens=(), slot_types=frozenset(), slot_spans=(),
                       recipient=recipient, message_id=message_id)
