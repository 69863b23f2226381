"""How copies link into campaigns, the same in every store (detector.campaigns.stores), over each
store's storage primitives.

Every store links the same way (`LinkingStore.link`): a copy joins the campaign holding the
most similar stored signature at or above LINK_THRESHOLD (UNVARIED_THRESHOLD when no reader's
details vary between them: none masked, one reader, or every copy filled alike, as a memo naming
its readers' one company, `_same_fills`; a `short` copy, one line, only at UNVARIED_THRESHOLD
and where readers' details vary), else starts one; between copies that reached only one
reader, the in-memory index, which keeps some copies' words and figures, also checks the exact
similarity and links only the same text sent again (`_sent_again`). Audio prints
(detector.campaigns.audio_fingerprint) are one more signature kind: they join only audio campaigns,
by their own similarity and AUDIO_LINK_THRESHOLD. A copy whose whole text links nowhere joins the
campaign whose pitch (the words after a personalised opening) it shares, at PITCH_THRESHOLD and only
where readers' details vary (`_best_pitch_match`); else, in the in-memory index, which keeps copies'
words, the campaign whose kept copy shares most of its words in order (`_aligned_match`: fills the
slot finder cannot see, every few words). A campaign keeps up to MAX_REPS distinct
signatures of each kind (spintax variants, pitches), so later copies may match any of them. Adding is idempotent per message
(same text under one Message-ID or to one reader; else same id and signature), so a whole inbox
can be indexed first (`prefill`) and then scored against the same index without counting twice.
"""

from __future__ import annotations

import hashlib
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from detector.campaigns import audio_fingerprint as audio
from detector.campaigns.audio_fingerprint import kind, rep_campaign_id, rep_keys
from detector.campaigns.fingerprint import (
    ALIGN_FLOOR,
    FILL_COVERAGE,
    LINK_THRESHOLD,
    PITCH_THRESHOLD,
    UNVARIED_THRESHOLD,
    Fingerprint,
    fill_coverage,
    jaccard,
    sent_again,
    shingle_set,
    similarity,
)

MAX_REPS = 8
"""Distinct signatures of each kind kept per campaign."""
MAX_FILLS = 16
"""Salted identity fills kept per campaign: enough to tell a fill every copy shares (a company
memo names the company to each coworker) from one that varies; past it, more fills only vary more."""
DEFAULT_TTL_S = 30 * 24 * 3600
DEFAULT_MAX_CAMPAIGNS = 1_000_000


@dataclass(frozen=True)
class Campaign:
    """A campaign as one copy sees it: counts, what varies between copies, how the copy linked."""

    id: str
    copies: int
    recipients: int
    slot_types: frozenset[str]
    """Identity slot types seen masked in any copy."""
    signatures_differ: bool
    """Some copy's skeleton differs from this one beyond the masks (signatures disagree)."""
    exemplars: tuple[tuple[str, ...], ...] = field(default=(), repr=False)
    """Other copies' skeletons, where the index keeps them (memory only)."""
    same_fills: frozenset[str] = frozenset()
    """Identity slot types every copy filled as the copy asking did: they do not vary."""
    opening_only: bool = False
    """The copy asking is linked by its pitch alone: its whole text reaches no other copy's, so its
    opening was written for it; then `signatures_differ` and `exemplars` are about the pitches."""


@dataclass(frozen=True)
class Joined:
    """Where one message landed."""

    campaign: str
    digest: bytes


class LinkingStore(ABC):
    """Shared linking logic; a backend supplies storage primitives inside `_transaction`."""

    unvaried_threshold = UNVARIED_THRESHOLD
    keeps_copies = False
    """Whether `_kept_copies` gives copies' fingerprints (their words): only then `_aligned_match` links."""

    def __init__(self, salt: bytes, threshold: float = LINK_THRESHOLD,
                 ttl_s: float | None = DEFAULT_TTL_S, max_campaigns: int | None = DEFAULT_MAX_CAMPAIGNS):
        self.salt = salt
        self.threshold = threshold
        self.ttl_s = ttl_s
        self.max_campaigns = max_campaigns

    def salted(self, *parts: str | bytes) -> bytes:
        """Keyed 16-byte hash: recipient ids and message keys are stored only like this."""
        h = hashlib.blake2b(key=self.salt[:64], digest_size=16)
        for part in parts:
            data = part.encode("utf-8") if isinstance(part, str) else part
            h.update(len(data).to_bytes(4, "little") + data)
        return h.digest()

    def member_key(self, fp: Fingerprint) -> bytes:
        """One message counts once, whatever the caller's id (`Fingerprint.same_message`); records
        that name neither a reader nor a Message-ID are told apart by the caller's id."""
        if fp.same_message:
            return self.salted("message", fp.same_message)
        return self.salted("message", fp.recipient or "", fp.message_id, fp.digest)

    def fill_keys(self, fp: Fingerprint) -> set[bytes]:
        """Each masked identity fill as its type and a salted hash of its value."""
        return {t.encode() + b"=" + self.salted("fill", t, v) for t, v in fp.slot_values}

    def new_fills(self, fp: Fingerprint, kept: set[bytes]) -> list[bytes]:
        """The copy's fills a campaign keeping `kept` should add: new ones, while MAX_FILLS allows."""
        return sorted(self.fill_keys(fp) - kept)[: MAX_FILLS - len(kept)]

    def recipient_key(self, fp: Fingerprint) -> bytes:
        """Distinct recipients; a copy whose recipient is unknown counts as its own recipient."""
        return self.salted("recipient", fp.recipient) if fp.recipient else self.member_key(fp)

    def link(self, fingerprints: Iterable[Fingerprint | None]) -> list[Campaign | None]:
        """Add every copy, then report each one's campaign (None: no other copy known)."""
        fps = list(fingerprints)
        joined = [self.add(fp) if fp is not None else None for fp in fps]
        return [self.campaign(j, fp) if j is not None else None for j, fp in zip(joined, fps, strict=True)]

    def prefill(self, fingerprints: Iterable[Fingerprint | None]) -> None:
        """Index a whole inbox first (one transaction), so that scoring it afterwards lets the first
        copy report later ones."""
        with self._transaction():
            for fp in fingerprints:
                if fp is not None:
                    self.add(fp)

    def lookup(self, fp: Fingerprint) -> Campaign | None:
        """The campaign this copy is in or would join, as stored; records nothing."""
        with self._reading():
            cid = self._campaign_of(self.member_key(fp)) or self._match(fp)[0]
            return self._state(cid) if cid is not None else None

    def add(self, fp: Fingerprint) -> Joined:
        """Record one copy (idempotent per message): it joins the best-matching campaign or starts one."""
        member, recipient = self.member_key(fp), self.recipient_key(fp)
        now = time.time()
        with self._transaction():
            known = self._campaign_of(member)
            if known is not None:
                self._touch(known, now)
                return Joined(known, fp.digest)
            cid, reps = self._match(fp)
            if cid is None:
                cid = self._create(rep_campaign_id(fp.signature), now)
            for sig in (fp.signature, fp.pitch):
                alike = [r for r in reps if sig is not None and kind(r) == kind(sig)]
                if sig is not None and len(alike) < MAX_REPS and all(r.tobytes() != sig.tobytes() for r in alike):
                    self._add_rep(cid, sig, rep_keys(sig))
            self._join(cid, member, recipient, fp, now)
            self._evict(now)
        return Joined(cid, fp.digest)

    def campaign(self, joined: Joined, fp: Fingerprint | None = None) -> Campaign | None:
        """The campaign a joined copy is in, as that copy sees it; None until another copy is known."""
        with self._reading():
            state = self._state(joined.campaign)
            if state is None or state.copies < 2:
                return None
            reps = self._reps(joined.campaign)
            whole = [r for r in reps if kind(r) != "pitch"]
            differ = any(r.astype("<u4").tobytes() != joined.digest for r in whole)
            opening_only = fp is not None and self._opening_only(fp, joined.campaign, whole)
            if opening_only:
                differ = any(r.tobytes() != fp.pitch.tobytes() for r in reps if kind(r) == "pitch")
            # After the join, more than one recipient means the campaign reached another reader.
            same = self._same_fills(fp, joined.campaign) if fp is not None and state.recipients > 1 else frozenset()
            return Campaign(state.id, state.copies, state.recipients, state.slot_types, differ,
                            self._exemplars(joined.campaign, fp, opening_only), same, opening_only)

    def _opening_only(self, fp: Fingerprint, cid: str, whole: list[np.ndarray]) -> bool:
        """Whether `fp` is in its campaign by its pitch alone: no other copy's whole signature
        reaches the link threshold with its own. Where the store keeps copies, their signatures
        (a copy with the same skeleton as this one is kept apart from it); elsewhere the campaign's
        distinct signatures other than its own."""
        kept = self._kept_copies(cid, fp)
        others = ([other.signature for other in kept] if kept is not None
                  else [r for r in whole if r.tobytes() != fp.signature.tobytes()])
        return fp.pitch is not None and bool(others) and all(
            similarity(fp.signature, r) < self.threshold for r in others)

    def _match(self, fp: Fingerprint) -> tuple[str | None, list[np.ndarray]]:
        """The campaign a new copy joins, by its whole signature, else by its pitch, else by the
        words it shares in order with a kept copy (`_aligned_match`)."""
        keys = rep_keys(fp.signature)
        cid, reps = self._best_match(fp, keys)
        if cid is not None:
            return cid, reps
        probes = fp.pitch_probes()  # made once: each probe past the stored pitch is a new MinHash
        probe_keys = [k for p in probes for k in rep_keys(p)]
        if probes:
            cid, reps = self._best_pitch_match(fp, probes, probe_keys)
        if cid is None:
            cid, reps = self._aligned_match(fp, probes, keys + probe_keys)
        return cid, reps

    def _best_match(self, fp: Fingerprint, keys: list[int]) -> tuple[str | None, list[np.ndarray]]:
        """The candidate campaign of the same signature kind most similar to `fp` at or above its
        threshold, with its signatures."""
        is_audio = audio.is_audio(fp.signature)
        best, best_reps, best_sim = None, [], audio.AUDIO_LINK_THRESHOLD if is_audio else self.threshold
        for cid, reps in sorted(self._candidates(keys).items()):  # ties go the same way every run
            alike = [r for r in reps if kind(r) == kind(fp.signature)]
            if not alike:
                continue
            if is_audio:
                sim = max(audio.similarity(fp.signature, r) for r in alike)
                accept = sim >= best_sim
            elif fp.short:  # near-identical, to readers whose details differ
                sim = max(similarity(fp.signature, r) for r in alike)
                accept = sim >= max(best_sim, self.unvaried_threshold) and self._identity_varies(fp, cid)
            else:
                sim = max(similarity(fp.signature, r) for r in alike)
                accept = sim >= best_sim and (self._identity_varies(fp, cid) or (
                    (sim >= self.unvaried_threshold or self._exact_similarity(fp, cid) >= self.unvaried_threshold)
                    and self._sent_again(fp, cid)))
            if accept:
                best, best_reps, best_sim = cid, reps, sim
        return best, best_reps

    def _best_pitch_match(self, fp: Fingerprint, probes: list[np.ndarray],
                          keys: list[int]) -> tuple[str | None, list[np.ndarray]]:
        """The campaign whose pitch `fp`'s pitch shares most, at or above PITCH_THRESHOLD, among those
        that reached other readers with their details varying. Not where no reader's details vary:
        one writer's form letters (an interview schedule per candidate, a chain text re-signed) share
        a pitch too, and a copy to one reader sent again links by its whole text."""
        best, best_reps, best_sim = None, [], PITCH_THRESHOLD
        for cid, reps in sorted(self._candidates(keys).items()):
            pitches = [r[2:] for r in reps if kind(r) == "pitch"]
            if not pitches:
                continue
            sim = max(similarity(p[2:], r) for p in probes for r in pitches)
            if sim >= best_sim and self._identity_varies(fp, cid):
                best, best_reps, best_sim = cid, reps, sim
        return best, best_reps

    def _aligned_match(self, fp: Fingerprint, probes: list[np.ndarray],
                       keys: list[int]) -> tuple[str | None, list[np.ndarray]]:
        """The campaign with a kept copy whose words `fp` shares in order at FILL_COVERAGE or more
        (`fill_coverage`, whole texts or pitches), among candidates at ALIGN_FLOOR that reached other
        readers with their details varying: a template filled every few words with details the slot
        finder cannot see (a reader's recent project, rotated phrases) keeps copies under the link
        threshold though they share all their own wording. Only where the store keeps copies' words
        (in memory); a one-line (`short`) copy never links so."""
        if not self.keeps_copies or fp.short or audio.is_audio(fp.signature):
            return None, []
        pitch = fp.tokens[fp.opening:] if fp.pitch is not None else ()
        best, best_reps, best_cover = None, [], FILL_COVERAGE
        for cid, reps in sorted(self._candidates(keys).items()):
            sims = [similarity(fp.signature, r) for r in reps if kind(r) == "text"]
            sims += [similarity(p[2:], r[2:]) for p in probes for r in reps if kind(r) == "pitch"]
            if max(sims, default=0.0) < ALIGN_FLOOR or not self._identity_varies(fp, cid):
                continue
            cover = max((fill_coverage(pitch, other.tokens[other.opening:]) if pitch and other.pitch is not None
                         else fill_coverage(fp.tokens, other.tokens) for other in self._kept_copies(cid, fp) or ()),
                        default=0.0)
            if cover >= best_cover:
                best, best_reps, best_cover = cid, reps, cover
        return best, best_reps

    def _exact_similarity(self, fp: Fingerprint, cid: str) -> float:
        """Exact shingle Jaccard with the campaign's kept copies, where the store keeps their words
        (in memory only; 0 elsewhere): near the strict threshold a 128-value estimate errs by
        ±0.035, too much to decide a copy to one reader by."""
        if not fp.tokens:
            return 0.0
        mine = shingle_set(fp.tokens)
        return max((jaccard(mine, shingle_set(tokens)) for tokens in self._exemplars(cid, fp) if tokens), default=0.0)

    def _sent_again(self, fp: Fingerprint, cid: str) -> bool:
        """Between copies that reached only one reader, only the same text sent again links
        (`sent_again`: a pitch re-sent with a line added); a revised memo or a routine report's next
        issue is another message. Stores that keep no copies' words (the persistent ones) link every
        near-identical copy."""
        kept = self._kept_copies(cid, fp)
        if kept is None or not self._only_reader(fp, self._state(cid)):
            return True
        return any(sent_again(fp, other) for other in kept)

    def _only_reader(self, fp: Fingerprint, state: Campaign | None) -> bool:
        """Whether the campaign (`state`, as stored) reached `fp`'s reader and no one else."""
        return state is not None and state.recipients == 1 and self._has_recipient(state.id, self.recipient_key(fp))

    def _kept_copies(self, cid: str, fp: Fingerprint) -> list[Fingerprint] | None:
        """Other copies' fingerprints, where the store keeps them (memory only); None elsewhere."""
        return None

    def _identity_varies(self, fp: Fingerprint, cid: str) -> bool:
        """Whether the campaign reached someone else and a reader's details masked in it (or in this
        copy) were filled differently: only then may copies differ as much as `threshold` allows."""
        state = self._state(cid)
        if state is None or not (fp.slot_types or state.slot_types) or self._only_reader(fp, state):
            return False
        return bool((fp.slot_types | state.slot_types) - self._same_fills(fp, cid))

    def _same_fills(self, fp: Fingerprint, cid: str) -> frozenset[str]:
        """Identity slot types every copy filled as `fp` was. Asked only once the campaign reached
        another reader: between copies to one reader the fills are that reader's anyway."""
        kept, mine = _by_type(self._fills(cid)), _by_type(self.fill_keys(fp))
        return frozenset(t for t, keys in mine.items() if kept.get(t) == keys)

    def _exemplars(self, cid: str, fp: Fingerprint | None, pitches: bool = False) -> tuple[tuple[str, ...], ...]:
        return ()

    def close(self) -> None:
        """Let go of the backend's connection or file; a store in memory holds none."""
        return None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---------------------------------------------------------------- backend primitives

    @abstractmethod
    def _transaction(self): ...

    def _reading(self):
        """Context for reads outside a transaction; backends sharing a connection serialise them."""
        return self._transaction()

    @abstractmethod
    def _campaign_of(self, member: bytes) -> str | None: ...

    @abstractmethod
    def _touch(self, cid: str, now: float) -> None: ...

    @abstractmethod
    def _candidates(self, keys: list[int]) -> dict[str, list[np.ndarray]]: ...

    @abstractmethod
    def _create(self, cid: str, now: float) -> str:
        """Start a campaign; returns its id (made unique if a dropped one had it)."""

    @abstractmethod
    def _reps(self, cid: str) -> list[np.ndarray]: ...

    @abstractmethod
    def _add_rep(self, cid: str, sig: np.ndarray, keys: list[int]) -> None: ...

    @abstractmethod
    def _join(self, cid: str, member: bytes, recipient: bytes, fp: Fingerprint, now: float) -> None: ...

    @abstractmethod
    def _state(self, cid: str) -> Campaign | None: ...

    @abstractmethod
    def _has_recipient(self, cid: str, recipient: bytes) -> bool: ...

    @abstractmethod
    def _fills(self, cid: str) -> set[bytes]:
        """The campaign's kept `fill_keys` (at most MAX_FILLS)."""

    @abstractmethod
    def _evict(self, now: float) -> None: ...


def _by_type(fills: set[bytes]) -> dict[str, set[bytes]]:
    grouped: dict[str, set[bytes]] = {}
    for key in fills:
        grouped.setdefault(key.split(b"=", 1)[0].decode(), set()).add(key)
    return grouped
