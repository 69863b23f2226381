"""The one engine every shell (CLI, API, batch) calls: parse → signals → text model → policy."""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np

from detector.bundle import Bundle, default_bundle_path
from detector.campaigns import CampaignIndex, CampaignStore
from detector.campaigns.fingerprint import Fingerprint, fingerprint
from detector.campaigns.reason import campaign_hit
from detector.features import CAMPAIGN_COPY, model_text
from detector.message import InvalidMessage, Message, from_record
from detector.parsing.rfc822 import UndecodableMessage
from detector.results import build_result, error_result
from detector.signals import Evidence, Hit, SignalRegistry, default_registry

BATCH_SIZE = 256
_WORD = re.compile(r"\b[a-z][a-z']{2,}\b", re.IGNORECASE)


class BadLine:
    """A line that could not even be read as a record (invalid JSON, wrong encoding)."""

    def __init__(self, error: str, record_id: str | None = None):
        self.error = error
        self.id = record_id


def prepare(record: Any, registry: SignalRegistry) -> tuple[Message, dict[str, Hit]]:
    """Normalise one record and run every signal on it (training uses this too)."""
    message = from_record(record)
    if message.audio_path is not None and not message.text.strip():
        raise InvalidMessage("audio scoring is not available in this version; send the transcript as 'body'")
    return message, registry.run(message)


class Detector:
    def __init__(self, bundle: Bundle, registry: SignalRegistry | None = None):
        self.bundle = bundle
        self.registry = registry or default_registry()
        self._word_weights = _word_weight_lookup(bundle.text_model)

    @classmethod
    def default(cls) -> Detector:
        return _default_detector()

    @classmethod
    def from_path(cls, path: str | Path) -> Detector:
        return cls(Bundle.load(path))

    @property
    def model_version(self) -> str:
        return self.bundle.version

    def score(self, record: Any) -> dict[str, Any]:
        return next(self.score_many([record]))

    def score_many(self, records: Iterable[Any], campaigns: CampaignStore | None = None) -> Iterator[dict[str, Any]]:
        """Score records lazily, in order, one result per record; bad records get error results.

        Copies of one template are linked through `campaigns` (default: a fresh in-memory index,
        so copies inside this input are linked; each copy sees those of its own and earlier
        batches). For whole-inbox linking, `campaigns.prefill(self.fingerprint_many(records))`
        first; a message already in the index is not counted again.
        """
        index = campaigns if campaigns is not None else CampaignIndex()
        iterator = iter(records)
        while batch := list(islice(iterator, BATCH_SIZE)):
            yield from self._score_batch(batch, index)

    def fingerprint_many(self, records: Iterable[Any]) -> Iterator[Fingerprint | None]:
        """The cheap pass (parse, signals, skeleton; no model): one fingerprint or None per record."""
        for record in records:
            try:
                yield None if isinstance(record, BadLine) else fingerprint(*prepare(record, self.registry))
            except (InvalidMessage, UndecodableMessage):
                yield None

    def _score_batch(self, batch: list[Any], campaigns: CampaignStore) -> list[dict[str, Any]]:
        results: list[dict[str, Any] | None] = [None] * len(batch)
        parsed: list[tuple[int, Message, dict]] = []
        for i, record in enumerate(batch):
            if isinstance(record, BadLine):
                results[i] = error_result(record.id, record.error, self.model_version)
                continue
            try:
                parsed.append((i, *prepare(record, self.registry)))
            except (InvalidMessage, UndecodableMessage) as exc:
                rid = record.get("id") if isinstance(record, dict) else None
                results[i] = error_result(rid, str(exc), self.model_version)
        if parsed:
            texts = [model_text(message, hits) for _, message, hits in parsed]
            probs = self.bundle.text_model.predict_proba(texts)
            classes = self.bundle.classes
            fingerprints = [fingerprint(message, hits) for _, message, hits in parsed]
            linked = campaigns.link(fingerprints)
            for (i, message, hits), row, fp, campaign in zip(parsed, probs, fingerprints, linked):
                if campaign is not None:
                    hits = {**hits, CAMPAIGN_COPY: campaign_hit(message, fp, campaign)}
                class_probs = dict(zip(classes, (float(p) for p in row)))
                decision = self.bundle.policy.decide(class_probs, hits)
                evidence = self._model_evidence(message) if decision.verdict != "personal" else ()
                results[i] = build_result(message, hits, decision, self.registry, self.model_version, evidence)
        return results  # type: ignore[return-value]

    def _model_evidence(self, message: Message, top: int = 5) -> tuple[Evidence, ...]:
        """The words that pushed the text model most towards mass-produced."""
        if self._word_weights is None:
            return ()
        spans = []
        for m in _WORD.finditer(message.text[:6000]):
            weight = self._word_weights(m.group().lower())
            if weight > 0:
                spans.append((weight, m.start(), m.end()))
        best = sorted(spans, key=lambda s: -s[0])[:top]
        return tuple(Evidence.of(message.text, s, e) for _, s, e in sorted(best, key=lambda s: s[1]))


def _word_weight_lookup(model: Any):
    """Map a word to its weight towards 'not personal' in the word-feature block, if the model has one."""
    try:
        union = model.named_steps["features"]
        word = dict(union.transformer_list)["word"]
        hasher, idf = word.named_steps["hash"], word.named_steps["tfidf"].idf_
        clf = model.named_steps["clf"]
        personal = list(clf.classes_).index("personal")
        coef = np.asarray(clf.coef_)
        direction = -coef[personal] if coef.shape[0] > 1 else coef[0]
    except (AttributeError, KeyError, ValueError, IndexError):
        return None
    @lru_cache(maxsize=65536)
    def weight(token: str) -> float:
        column = hasher.transform([token]).indices
        return float(direction[column[0]] * idf[column[0]]) if len(column) else 0.0

    return weight


@lru_cache(maxsize=1)
def _default_detector() -> Detector:
    return Detector(Bundle.load(default_bundle_path()))
