"""The one engine every shell (CLI, API, batch) calls: parse → signals → text model → link copies →
policy → result, one path for every message (text or voicemail, with or without a user's sender rules)."""

from __future__ import annotations

import gc
import multiprocessing
import re
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from itertools import islice
from pathlib import Path
from typing import Any

import sklearn

from detector.campaigns.fingerprint import Fingerprint, fingerprint
from detector.campaigns.linking import Campaign
from detector.campaigns.reason import campaign_hit
from detector.campaigns.stores.contract import CampaignStore
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.contract import error_result
from detector.features import model_text
from detector.message import InvalidMessage, Message, from_record
from detector.models.bundle import Bundle
from detector.models.linear_text_scorer import LinearTextScorer
from detector.models.selection import bundle_path
from detector.parsing.rfc822 import UndecodableMessage
from detector.reasons import CAMPAIGN_COPY
from detector.results import build_result
from detector.sender_rules import SenderRules
from detector.signals import Evidence, Hit, SignalRegistry, default_registry
from detector.voicemail import Heard, Voicemail, voice_hits, voice_summary

BATCH_SIZE = 256
TOO_EXPENSIVE = "too expensive to parse"
_WORD = re.compile(r"\b[a-z]{3,}\b", re.IGNORECASE)


@dataclass(frozen=True)
class _Analysed:
    """One readable message after the per-message steps, before linking and the policy."""

    message: Message
    hits: dict[str, Hit]
    class_probs: dict[str, float]
    fingerprint: Fingerprint | None
    heard: Heard | None = None
    """A voicemail's voice and audio print (detector.voicemail); None for text."""


_FORKED: Detector | None = None
"""The detector a forked worker process inherited (see Detector._analyse_in_processes)."""


def _analyse_forked(batch: list[Any], parse_budget_s: float | None) -> list:
    assert _FORKED is not None
    return _FORKED._analyse(batch, parse_budget_s)


class BadLine:
    """A line that could not even be read as a record (invalid JSON, wrong encoding)."""

    def __init__(self, error: str, record_id: str | None = None):
        self.error = error
        self.id = record_id


def prepare(record: Any, registry: SignalRegistry, parse_budget_s: float | None = None) -> tuple[Message, dict[str, Hit]]:
    """Normalise one record and run every signal on it (training uses this too).

    Work per message is bounded by the readers' caps; `parse_budget_s` (batch scans) also makes a
    message whose reading took longer than that an error, so one hostile message costs seconds.
    """
    started = time.perf_counter()
    message = from_record(record)
    if parse_budget_s is not None and time.perf_counter() - started > parse_budget_s:
        raise InvalidMessage(f"{TOO_EXPENSIVE} (over {parse_budget_s:g} s)")
    if message.audio_path is not None and not message.text.strip():
        raise InvalidMessage("no words to score: no speech was recognised in the recording and no 'body' given")
    return message, registry.run(message)


def _linked_elsewhere(campaigns: CampaignStore, fp: Fingerprint) -> Campaign | None:
    """The stored campaign an uncounted copy belongs to, when other copies already make it one."""
    campaign = campaigns.lookup(fp)
    return campaign if campaign is not None and campaign.copies >= 2 else None


def unexpected(exc: BaseException, step: str) -> str:
    """An error row's text for a failure no check foresaw: the step and the exception type, never its
    message (which may quote the input)."""
    return f"unexpected failure {step} the message ({type(exc).__name__})"


class Detector:
    """A loaded bundle and the signals: scores records into contract results (the shells' one entry point)."""

    def __init__(self, bundle: Bundle, registry: SignalRegistry | None = None):
        self.bundle = bundle
        self.registry = registry or default_registry()
        lean = LinearTextScorer.from_pipeline(bundle.text_model)
        self._predict_text_proba = lean.predict_proba if lean is not None else bundle.text_model.predict_proba
        """The text model's probabilities: for the tf-idf pipeline, the same in plain numpy (one
        message 1.12 -> 0.20 ms; scikit-learn's per-call overhead was most of it, the API's case);
        other kinds (transformer bundles) their own predict_proba."""
        wording = lean or getattr(bundle.text_model, "wording_scorer", None)
        self._word_weights = wording.word_weight_lookup("personal") if wording is not None else None
        """A word's pull away from personal, for the model's evidence spans (the tf-idf pipeline, or a
        cascade's tf-idf member)."""
        self.voicemail = Voicemail()
        """Hears `audio_path` records; its models load on the first voicemail."""
        _settle_heap()

    @classmethod
    def open(cls, model: str | Path | None = None) -> Detector:
        """The detector of a text bundle: None for the selected one (--model, $SINCERE_MODEL,
        `sincere models use`, shipped default), else a shipped bundle's name or a folder. One per
        process per folder: loading verifies and reads every model file, so it is done once (a
        folder whose files changed since is loaded afresh). BundleError if it does not verify."""
        path = bundle_path(model).resolve()
        return _open(path, _folder_state(path))

    @property
    def model_version(self) -> str:
        """The bundle's version, echoed in every result."""
        return self.bundle.version

    def score(self, record: Any, sender_rules: SenderRules | None = None) -> dict[str, Any]:
        """Score one record (see `score_many`)."""
        return next(self.score_many([record], sender_rules=sender_rules))

    def score_many(self, records: Iterable[Any], campaigns: CampaignStore | None = None,
                   workers: int = 1, parse_budget_s: float | None = None,
                   sender_rules: SenderRules | None = None) -> Iterator[dict[str, Any]]:
        """Score records lazily, in order, one result per record; bad records get error results.

        Copies of one template are linked through `campaigns` (default: a fresh in-memory index,
        so copies inside this input are linked; each copy sees those of its own and earlier
        batches). For whole-inbox linking, `campaigns.prefill(self.fingerprint_many(records))`
        first; a message already in the index is not counted again.

        `workers` > 1 parses and runs the models in that many forked processes (for batch jobs on
        several cores; not from a threaded server); linking and the policy stay in this process,
        so results are identical to `workers=1`.

        Each message is read and decided inside its own error boundary: a failure is that
        message's error result, and the rest go on. `parse_budget_s`: see `prepare`.

        `sender_rules`: the user's own allow/deny rules about senders (detector.sender_rules); a matching
        rule sets that message's verdict, its score stays the model's. Looked up in this process.
        """
        index = campaigns if campaigns is not None else MemoryCampaignStore()
        iterator = iter(records)
        batches = iter(lambda: list(islice(iterator, BATCH_SIZE)), [])
        analysed = (self._analyse_in_processes(batches, workers, parse_budget_s) if workers > 1
                    else map(partial(self._analyse, parse_budget_s=parse_budget_s), batches))
        for batch in analysed:
            yield from self._finish(batch, index, sender_rules)

    def fingerprint_many(self, records: Iterable[Any], parse_budget_s: float | None = None) -> Iterator[Fingerprint | None]:
        """The cheap pass (parse, signals, skeleton; no model): one fingerprint or None per record
        (None also where scoring will give an error result)."""
        for record in records:
            try:
                yield None if isinstance(record, BadLine) else fingerprint(*prepare(record, self.registry, parse_budget_s))
            except Exception:  # noqa: BLE001 - the scoring pass reports it as this message's error
                yield None

    def _analyse(self, batch: list[Any], parse_budget_s: float | None = None) -> list[dict[str, Any] | _Analysed]:
        """Everything per message that needs no shared state: parse, signals, text model, fingerprint."""
        out: list[dict[str, Any] | _Analysed] = []
        parsed: list[tuple[int, Message, dict]] = []
        for record in batch:
            if isinstance(record, BadLine):
                out.append(error_result(record.id, record.error, self.model_version))
                continue
            rid = record.get("id") if isinstance(record, dict) else None
            try:
                heard_record, heard = self.voicemail.hear(record)
                message, hits = prepare(heard_record, self.registry, parse_budget_s)
            except (InvalidMessage, UndecodableMessage) as exc:
                out.append(error_result(rid, str(exc), self.model_version))
                continue
            except Exception as exc:  # noqa: BLE001 - one message never stops the rest
                out.append(error_result(rid, unexpected(exc, "reading"), self.model_version))
                continue
            parsed.append((len(out), message, hits, heard))
            out.append(None)  # type: ignore[arg-type]
        ready = []
        for i, message, hits, heard in parsed:
            try:
                # Model text and fingerprint side by side: they share one cached skeleton (detector.masking).
                ready.append((i, message, hits, heard, model_text(message, hits), fingerprint(message, hits)))
            except Exception as exc:  # noqa: BLE001 - one message never stops the rest
                out[i] = error_result(message.id, unexpected(exc, "reading"), self.model_version)
        if ready:
            # A verified bundle's hyper-parameters need no re-validation on every call (the hashers'
            # transform here; other kinds' whole predict_proba, where it took a third off one message).
            with sklearn.config_context(skip_parameter_validation=True):
                probs = self._predict_text_proba([text for *_, text, _ in ready])
            for (i, message, hits, heard, _, print_), row in zip(ready, probs, strict=True):
                class_probs = dict(zip(self.bundle.classes, (float(p) for p in row), strict=True))
                out[i] = _Analysed(message, hits, class_probs, print_, heard)
        return out

    def _finish(self, batch: list[dict[str, Any] | _Analysed], campaigns: CampaignStore,
                sender_rules: SenderRules | None) -> list[dict[str, Any]]:
        """Link the batch's copies, then decide each message: the steps that share state."""
        analysed = [a for a in batch if isinstance(a, _Analysed)]
        heard = [a for a in analysed if a.heard is not None]
        # Text prints, then voicemails' audio prints, in one call: audio joins only audio campaigns.
        prints = [a.fingerprint for a in analysed] + [self.voicemail.fingerprint(a.message, a.heard) for a in heard]
        # A voicemail for an unknown recipient is compared with the index but not counted in it: the
        # same recording uploaded again without its recipient is not a second person.
        uncounted = [p is not None and p.recipient is None and a.heard is not None
                     for p, a in zip(prints, analysed + heard, strict=True)]
        found = campaigns.link([None if skip else p for p, skip in zip(prints, uncounted, strict=True)])
        found = [_linked_elsewhere(campaigns, p) if skip else f for p, skip, f in zip(prints, uncounted, found, strict=True)]
        linked, heard_linked = iter(found[:len(analysed)]), iter(found[len(analysed):])
        results = []
        for item in batch:
            if not isinstance(item, _Analysed):
                results.append(item)
                continue
            campaign = next(linked)
            heard_campaign = next(heard_linked) if item.heard is not None else None
            try:
                results.append(self._decide(item, campaign, heard_campaign, sender_rules))
            except Exception as exc:  # noqa: BLE001 - one message never stops the rest
                results.append(error_result(item.message.id, unexpected(exc, "scoring"), self.model_version))
        return results

    def _decide(self, item: _Analysed, campaign: Campaign | None, heard_campaign: Campaign | None,
                sender_rules: SenderRules | None) -> dict[str, Any]:
        """The one decision path: the message's hits, plus those only known now (its campaign, what its
        recording told, the user's rule about its sender), through the policy into one result."""
        hits = dict(item.hits)
        if campaign is not None:
            hits[CAMPAIGN_COPY] = campaign_hit(item.message, item.fingerprint, campaign)
        voice = None
        if item.heard is not None:
            hits.update(voice_hits(item.heard, heard_campaign))
            voice = voice_summary(item.heard, heard_campaign)
        rule = sender_rules.hit(item.message.sender) if sender_rules is not None else None
        if rule is not None:
            hits[rule.code] = rule
        policy = self.bundle.policy
        decision = policy.decide(item.class_probs, hits)
        # The words are shown when the blend found the message mass-produced, whatever a user's rule then says.
        evidence = self._model_evidence(item.message) if decision.score >= policy.threshold else ()
        return build_result(item.message, hits, decision, self.model_version, evidence, voice)

    def _analyse_in_processes(self, batches: Iterator[list[Any]], workers: int,
                              parse_budget_s: float | None) -> Iterator[list]:
        """Batches analysed by forked workers (which inherit this detector), in order, at most
        2 × workers batches ahead of the consumer so streaming input stays in constant memory."""
        global _FORKED
        _FORKED = self
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            pending: deque = deque()
            for batch in batches:
                pending.append(pool.submit(_analyse_forked, batch, parse_budget_s))
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()

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


def _settle_heap() -> None:
    """Put what is alive once a model is loaded out of the garbage collector's reach.

    The model and the libraries loading it imports (skops imports all of scikit-learn, and torch
    when installed) are ~350k tracked objects that live as long as the process; every full
    collection re-walks them (~200 ms), a pause that lands on whichever message is being scored.
    Frozen, they are skipped (and left untouched in forked workers, so their pages stay shared).
    Collected first, so no garbage is frozen with them. The price: reference cycles inside a
    detector dropped later are not collected until `gc.unfreeze()` (plain references still are).
    """
    gc.collect()
    gc.freeze()


def _folder_state(path: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of each file in a bundle folder: a cheap sign of change."""
    state = []
    try:
        for file in path.iterdir():
            if file.is_file():
                stat = file.stat()
                state.append((file.name, stat.st_size, stat.st_mtime_ns))
    except OSError:
        return ()  # a missing folder: Bundle.load says so
    return tuple(sorted(state))


@lru_cache(maxsize=4)
def _open(path: Path, state: tuple[tuple[str, int, int], ...]) -> Detector:
    return Detector(Bundle.load(path))
