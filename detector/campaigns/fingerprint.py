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

AI-personalised outreach puts one model-written opener per prospect above a shared pitch; on a
short template the openers alone keep copies under LINK_THRESHOLD. So a message with an opening
(detector.campaigns.skeleton.opening_end) also gets a `pitch` signature of the words after it,
stored as its own kind (PITCH_MAGIC before the MinHash, its own band keys): a copy the whole
signature links nowhere joins the campaign whose pitch it shares at PITCH_THRESHOLD, only where
readers' details vary and only when the pitch has PITCH_MIN_TOKENS words. On the 589 public
templates with a personalised opener per reader (benchmarks/campaign_eval.py) that took copies linked
to their own campaign from 84.8 % to 93.0 % with false merges among the corpus's personal messages
unchanged (14 of 16,756); linking pitches where no reader's details vary (at UNVARIED_THRESHOLD)
added 0.4 points and took false merges to 30 (one writer's form letters), so it is not done.

A skeleton under MIN_TOKENS or MIN_WORDS (down to SHORT_MIN_TOKENS and SHORT_MIN_WORDS) is `short`:
one-line templates (a break-up line, a subject sent as the whole message, a one-line notification) were
most of the 13 public templates whose copies went unfingerprinted. Such a copy links only at
UNVARIED_THRESHOLD and only where readers' details vary: on the public templates' clean fills that took
copies not fingerprinted from 58 (13 templates) to 10 (3) with false merges among the corpus's personal
messages unchanged (14 of 16,756). Tried and left out: linking copies
to different readers with no identity slot masked (fills the slot finder cannot see) at 0.5-0.7 gained
0.3-0.7 points there and took those false merges to 24-33; requiring a whole-text link's pitches to
agree (stock opener phrases above two short pitches) cut campaigns spanning templates but took the
library's reordered-paraphrase recall from 0.95 to 0.74-0.78.

Templates filled every few words with details the slot finder cannot see (a reader's recent project,
rotated phrases) keep copies that share all their own wording under LINK_THRESHOLD. Where the store
keeps copies' words (in memory), a copy the signatures link nowhere joins a candidate campaign (at
ALIGN_FLOOR) whose kept copy shares FILL_COVERAGE of the longer text in word runs, in order, with
readers' details varying (`fill_coverage`; pitches where both copies have one). Chosen on the
template library and the corpus's train+val personal messages: among personal pairs the LSH finds
under the link threshold, those with a masked reader's detail align at most 0.50, and copies of
different library templates at most 0.28, while public-template copies left unlinked aligned at
0.60-0.93. On the public templates (benchmarks/campaign_eval.py) that took copies linked to their own
variant group's campaign from 96.5 % to 97.1 % (clean fills) and 93.0 % to 94.1 % (personalised
openers), the library's from 99.7 % to 99.9 %, with false merges among personal messages unchanged.

That margin holds for copies whose readers differ. Where nothing of the reader varies (no
identity slot masked, or both copies went to one reader), moderate similarity comes from one
correspondent's routine wording instead, so UNVARIED_THRESHOLD applies. It was chosen on the
corpus's train and validation splits only (benchmarks/campaign_eval.py prints the table): of their
11,401 personal messages, those linked to another (the same text forwarded included) fall from
0.78 % at 0.6 to 0.55 % at 0.8 and 0.39 % at 0.9, while template copies linked to their own campaign
go 99.32 % -> 99.22 % -> 99.03 %; above 0.83 repeated copies of one pitch to one inbox with a line
added (tests/detector/batch) stop linking, which the per-inbox scope needs. Between copies that
reached only one reader, only the same text sent again links (`sent_again`: words and figures only
added); a changed word or figure makes a revised memo or a routine report's next issue (the
in-memory index checks it): that took personal messages linked to other personal messages from
1.65 % to 0.36 % of 15,470 with template linking unchanged (the default model card has the rest).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np
from datasketch import MinHash

from detector.campaigns.skeleton import WORD, own_skeleton
from detector.message import Message
from detector.signals import Hit

NUM_PERM = 128
BANDS, ROWS = 32, 3
SHINGLE = 3
"""Words per shingle."""
MIN_TOKENS = 12
"""Shorter skeletons ("ok see you at xnumx then bring the charger") are shared by chance: they are
fingerprinted only down to SHORT_MIN_TOKENS, and link only near-identical (`Fingerprint.short`)."""
MIN_WORDS = 10
"""Distinct words that are not masks a skeleton needs: "hpl noms for xdatex see attached file" is a
routine line one correspondent repeats, not a template (the shortest library template has 10)."""
SHORT_MIN_TOKENS, SHORT_MIN_WORDS = 8, 6
"""A skeleton under MIN_TOKENS or MIN_WORDS but with at least these is `short`: a one-line template
("{first}, should I keep trying or let this go?", a subject line sent as the message) links only
near-identical (UNVARIED_THRESHOLD) and only where a reader's details vary between the copies."""
LINK_THRESHOLD = 0.4
UNVARIED_THRESHOLD = 0.8
"""Link threshold when no identity slot varies (no reader's details masked, or the copies went to
one reader): a real copy of an impersonal mailing is near-identical, while notes from one
correspondent to one reader share his routine wording at moderate similarity."""
PITCH_THRESHOLD = 0.5
"""Pitch signatures are shorter than whole ones, so stock phrases weigh more: they link higher."""
PITCH_MIN_TOKENS = 12
"""A pitch shorter than this is too little to call shared (a sign-off, one routine line)."""
FILL_COVERAGE = 0.6
"""Share of the longer of two skeletons that must lie in word runs both share, in order, for copies
whose fills the slot finder cannot see to link (`fill_coverage`)."""
ALIGN_FLOOR = 0.15
"""Estimated similarity a candidate needs before its copies' words are aligned (`fill_coverage`)."""
ALIGN_TAIL = 10
"""Words after the last shared run either copy may have: a per-reader opening may precede the shared
words, but copies that share only a stock opening and go on to different pitches are two campaigns."""
ALIGN_MAX_TOKENS = 400
"""Longer skeletons are not aligned (the alignment grows with the product of the lengths; templates are short)."""
PITCH_MAGIC = 0x50495430
"""First word of a stored pitch signature ("PIT0"); the second is NUM_PERM, then the MinHash."""
SCHEME = "affine32"
FINGERPRINT_SCHEME = f"minhash{NUM_PERM}-{SCHEME}-blake2b-words-mix{SHINGLE}-pitch"
"""Stored in persistent indexes: signatures made another way never match, so an index built with
another scheme is refused instead of silently missing every copy (see the stores)."""
_MASK = re.compile(r"^x[a-z]+x$")


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
    same_message: bytes | None = None
    """Equal for two records of one message (in memory only; see `same_message_key`)."""
    figures: tuple[str, ...] = ()
    """Dates and numbers the skeleton masks, as written (in memory only; see `sent_again`)."""
    slot_values: frozenset[tuple[str, str]] = frozenset()
    """(type, lower-cased value) of each masked identity slot (in memory only; stores keep them
    as salted hashes, `LinkingStore.fill_keys`)."""
    pitch: np.ndarray | None = None
    """The words after the opening as a stored signature (`encode_pitch`); None without an opening
    or with too short a pitch."""
    opening: int = 0
    """How many of `tokens` are the opening (in memory only): `tokens[opening:]` is the pitch."""
    pitch_span: tuple[int, int] | None = None
    """Where the pitch is in the message's text (evidence of what the copies share)."""
    cuts: tuple[int, ...] = ()
    """Where else the pitch may start, in `tokens` (in memory only; see `pitch_probes`)."""

    @property
    def short(self) -> bool:
        """Under MIN_TOKENS or MIN_WORDS (see SHORT_MIN_TOKENS): it links only near-identical."""
        return len(self.tokens) < MIN_TOKENS or len(own_words(self.tokens)) < MIN_WORDS

    def pitch_probes(self) -> list[np.ndarray]:
        """The stored pitch, then the words after each other cut, as pitch signatures: what a copy
        looks for among campaigns' pitches (an opener may be one sentence longer or shorter)."""
        if self.pitch is None:
            return []
        return [self.pitch] + [encode_pitch(signature(self.tokens[c:])) for c in self.cuts if c != self.opening]

    @property
    def digest(self) -> bytes:
        """The signature as bytes: two copies with equal digests are alike beyond the masks."""
        return self.signature.astype("<u4").tobytes()


class IncompatibleIndex(ValueError):
    """A persistent index holds signatures made by another fingerprint scheme."""


def check_scheme(stored: str | bytes, where: str) -> None:
    """Refuse a persistent store whose signatures another fingerprint scheme made (they would never match)."""
    stored = stored.decode() if isinstance(stored, bytes) else stored
    if stored != FINGERPRINT_SCHEME:
        raise IncompatibleIndex(f"{where} was built with fingerprint scheme {stored!r}, this version makes "
                                f"{FINGERPRINT_SCHEME!r}; its signatures would never match: move it aside to start a new one")


@lru_cache(maxsize=1)
def _permutations() -> np.ndarray:
    return MinHash(NUM_PERM, scheme=SCHEME).permutations


@lru_cache(maxsize=1 << 16)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little")


_SHINGLE_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9][:SHINGLE], dtype=np.uint64)


def shingle_hashes(tokens: tuple[str, ...]) -> list[int]:
    """One 32-bit hash per word shingle, from cached word hashes mixed by position (vectorised;
    hashing each shingle's text was a third of the fingerprint's time)."""
    words = np.fromiter(map(_word_hash, tokens), dtype=np.uint64, count=len(tokens))
    n = max(1, len(tokens) - SHINGLE + 1)
    mixed = np.zeros(n, dtype=np.uint64)
    for i in range(min(SHINGLE, len(tokens))):
        mixed += words[i : i + n] * _SHINGLE_MIX[i]  # wraps modulo 2**64, as meant
    mixed ^= mixed >> np.uint64(31)
    mixed *= np.uint64(0xBF58476D1CE4E5B9)
    mixed ^= mixed >> np.uint64(32)
    return (mixed >> np.uint64(32)).tolist()


def signature(tokens: tuple[str, ...], hashes: list[int] | None = None) -> np.ndarray:
    """MinHash of the tokens' shingles (`hashes`: their `shingle_hashes`, where already made)."""
    minhash = MinHash(NUM_PERM, permutations=_permutations(), scheme=SCHEME, hashfunc=int)
    minhash.update_batch(shingle_hashes(tokens) if hashes is None else hashes)
    return minhash.digest().astype(np.uint32)


def recipient_key(message: Message) -> str | None:
    """Who the message was sent to, as one string (address, else name), for counting recipients."""
    person = message.recipient
    value = person.email or person.name or " ".join(filter(None, (person.first_name, person.last_name)))
    return value.strip().lower() or None if value else None


def own_words(tokens: tuple[str, ...]) -> set[str]:
    """Distinct words that are not masks."""
    return {t for t in tokens if not _MASK.match(t)}


def same_message_key(message: Message, recipient: str | None) -> bytes | None:
    """What makes two records one message, not two copies: the same text under one Message-ID
    header (one mail delivered to several people), else the same text to the same reader (one mail
    kept in two folders, or scored twice). None when the record names neither."""
    message_id = message.headers.get("message-id", "").strip().strip("<>").lower()
    if not (message_id or recipient):
        return None
    h = hashlib.blake2b(digest_size=16)
    for part in ("id", message_id) if message_id else ("to", recipient):
        h.update(part.encode() + b"\0")
    h.update(" ".join(WORD.findall(message.text.lower())).encode())
    return h.digest()


def fingerprint(message: Message, hits: Mapping[str, Hit]) -> Fingerprint | None:
    """The message's fingerprint, or None when its skeleton is too short to tell a template
    (under SHORT_MIN_TOKENS or SHORT_MIN_WORDS)."""
    tokens, slots, figures, opening, pitch_span, cuts = own_skeleton(message, hits)
    if len(tokens) < SHORT_MIN_TOKENS or len(own_words(tokens)) < SHORT_MIN_WORDS:
        return None
    recipient = recipient_key(message)
    pitch = tokens[opening:] if opening else ()
    has_pitch = len(pitch) >= PITCH_MIN_TOKENS and len(own_words(pitch)) >= MIN_WORDS
    hashes = shingle_hashes(tokens)  # a shingle's hash depends on its words only: the pitch's are a tail
    return Fingerprint(
        signature=signature(tokens, hashes),
        tokens=tokens,
        slot_types=frozenset(s["type"] for s in slots),
        slot_spans=tuple((s["start"], s["end"]) for s in slots),
        recipient=recipient,
        message_id=message.id,
        same_message=same_message_key(message, recipient),
        figures=figures,
        slot_values=frozenset((s["type"], " ".join(s["text"].lower().split())) for s in slots),
        pitch=encode_pitch(signature(pitch, hashes[opening:])) if has_pitch else None,
        opening=opening if has_pitch else 0,
        pitch_span=pitch_span if has_pitch else None,
        cuts=tuple(c for c in cuts if len(tokens) - c >= PITCH_MIN_TOKENS) if has_pitch else (),
    )


def encode_pitch(sig: np.ndarray) -> np.ndarray:
    """A pitch's signature with its header, so stores keep it apart from whole-message signatures."""
    return np.concatenate([np.array([PITCH_MAGIC, NUM_PERM], dtype=np.uint32), sig]).astype(np.uint32)


def is_pitch(sig: np.ndarray) -> bool:
    """Whether a stored signature is a pitch's (see encode_pitch)."""
    return sig.size == NUM_PERM + 2 and int(sig[0]) == PITCH_MAGIC and int(sig[1]) == NUM_PERM


def pitch_keys(sig: np.ndarray) -> list[int]:
    """A pitch signature's band keys, apart from whole signatures' (a pitch never finds a whole
    message by its bands, nor the other way)."""
    return [key ^ _PITCH_KEY_MIX for key in band_keys(sig[2:])]


def sent_again(a: Fingerprint, b: Fingerprint) -> bool:
    """One copy is the other with words only added (a line on top, a bump): its words hold the
    other's in order and its figures the other's. A changed word or figure makes another message
    to the same reader: a revised memo, a routine report's next issue."""
    short, long = sorted((a, b), key=lambda f: len(f.tokens))
    rest = iter(long.tokens)
    return all(word in rest for word in short.tokens) and not Counter(short.figures) - Counter(long.figures)


def fill_coverage(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Share of the longer skeleton in runs of SHINGLE or more words the two share in order (0 when
    they share under PITCH_MIN_TOKENS such words, either goes on ALIGN_TAIL words past the last
    shared run, or either is over ALIGN_MAX_TOKENS). Copies of one
    template whose fills the slot finder cannot see (a detail about the reader, a rotated phrase)
    keep long shared runs between short gaps even where a fill every few words breaks most shingles;
    two notes that merely share stock phrases do not."""
    if not a or not b or max(len(a), len(b)) > ALIGN_MAX_TOKENS:
        return 0.0
    runs = [block for block in SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks() if block.size >= SHINGLE]
    shared = sum(run.size for run in runs)
    if shared < PITCH_MIN_TOKENS or max(len(a) - runs[-1].a, len(b) - runs[-1].b) - runs[-1].size > ALIGN_TAIL:
        return 0.0
    return shared / max(len(a), len(b))


def shingle_set(tokens: tuple[str, ...]) -> set[tuple[str, ...]]:
    """Word shingles of a skeleton, for the exact similarity of two copies."""
    return {tokens[i : i + SHINGLE] for i in range(max(1, len(tokens) - SHINGLE + 1))}


def jaccard(a: set, b: set) -> float:
    """Shared over all: the exact similarity of two shingle sets (0 for two empty ones)."""
    return len(a & b) / len(a | b) if a or b else 0.0


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


_PITCH_KEY_MIX = 0x5A17C0DE2E9A3B51


def campaign_id(sig: np.ndarray) -> str:
    """Stable public id of a campaign: a short hash of its first copy's signature."""
    return "c" + hashlib.blake2b(sig.astype("<u4").tobytes(), digest_size=6).hexdigest()
