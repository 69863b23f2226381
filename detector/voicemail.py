"""Voicemail drops: a recording heard, then one verdict from its voice, its words and its copies.

`Voicemail.hear` turns a record with `audio_path` into a text record the engine scores like any
other: the audio is decoded (limits and clear errors in detector.audio.decoding), transcribed
offline (detector.audio.transcription; a `body` in the record is used as is instead), scored for
a synthetic voice and fingerprinted with Chromaprint. After the engine has linked copies,
`voice_hits` turns what was heard into two ordinary hits that reach the policy beside the text's:

- SYNTHETIC_VOICE: the voice is text-to-speech. Not conclusive alone (a person's voice can
  score high over a bad line; see the voice model card), so its weight is below a campaign's.
- VOICE_CAMPAIGN_COPY: the same recording reached other people, only a short part (a name)
  differing. Weighs as much as a text campaign copy when it reached two or more people.

Both weights are fixed in the reason catalogue (detector.reasons), not fitted (there is no
labelled voicemail set to fit them on). The transcript campaign (CAMPAIGN_COPY, with its
`varying_slots`) comes from the text path unchanged; `voice_summary` is the result's `voice` field.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from detector.audio.decoding import ASR_RATE, MAX_SECONDS, SAMPLE_RATE, AudioError, load_audio, resample
from detector.audio.encoder import EncoderUnavailable
from detector.audio.features import trim_silence
from detector.campaigns.audio_fingerprint import CHUNK, MIN_CHUNKS, FingerprintUnavailable, FpcalcMissing, audio_print, chromaprint
from detector.campaigns.fingerprint import Fingerprint, recipient_key
from detector.campaigns.linking import Campaign
from detector.contract import CHANNELS
from detector.message import InvalidMessage, Message
from detector.reasons import SYNTHETIC_VOICE, VOICE_CAMPAIGN_COPY
from detector.signals import Hit

log = logging.getLogger("sincere.voicemail")

SYNTHETIC_FROM = 0.5
"""SYNTHETIC_VOICE's strength grows from 0 at the voice model's threshold (this when none is given)
to 1 at 1.0; the shipped model's threshold bounds human false alarms (see the voice model card)."""
VOICE_CHANNELS = ("voicemail", "video_transcript")


@dataclass(frozen=True)
class Heard:
    """What the recording itself told, beside its words."""

    synthetic: float
    """P(synthetic voice), 0..1."""
    transcript: str | None
    """What the recogniser heard; None when the record brought its own `body`."""
    hashes: np.ndarray | None = None
    """Chromaprint hashes, None when fpcalc is missing or the recording is too short to tell."""
    threshold: float = SYNTHETIC_FROM
    """The voice model's operating threshold: SYNTHETIC_VOICE weighs in only above it."""


def is_audio_record(record: Any) -> bool:
    """Whether the record brings a recording to hear."""
    return isinstance(record, Mapping) and record.get("audio_path") is not None


def _recipient_words(record: Mapping[str, Any]) -> list[str]:
    """The reader's own names, to prime the recogniser (the record says who the message is for)."""
    person = record.get("recipient")
    if not isinstance(person, Mapping):
        return []
    values = [person.get(k) for k in ("first_name", "last_name", "name", "company")]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def has_own_words(record: Mapping[str, Any]) -> bool:
    """Whether the record brings its words (body, body_html or raw), so its recording is not transcribed."""
    return any(isinstance(record.get(k), str) and record[k].strip() for k in ("body", "body_html", "raw"))


class Voicemail:
    """Loads the voice model and the recogniser on first use, so text-only runs never do."""

    def __init__(self, voice=None, transcriber=None, max_seconds: float = MAX_SECONDS):
        self._voice = voice
        self._transcriber = transcriber
        self.max_seconds = max_seconds
        self._warned = False

    @property
    def voice(self):
        """The synthetic-voice model; an unusable voice bundle makes each voicemail an error result (the
        text records of the run are scored as usual)."""
        if self._voice is None:
            from detector.audio.detector import SyntheticVoiceDetector
            from detector.models.artifacts import BundleError

            try:
                self._voice = SyntheticVoiceDetector.load()
            except BundleError as exc:
                raise InvalidMessage(f"the synthetic-voice model cannot be used: {exc}") from None
        return self._voice

    @property
    def transcriber(self):
        """The offline speech recogniser, loaded on the first recording without its own words."""
        if self._transcriber is None:
            from detector.audio.transcription import default_transcriber

            self._transcriber = default_transcriber()
        return self._transcriber

    def hear(self, record: Any) -> tuple[Any, Heard | None]:
        """(the record to score as text, what was heard); records without audio pass through, and so
        do records whose audio cannot be read but that bring their own words (`voice` is then null)."""
        if not is_audio_record(record):
            return record, None
        path = record["audio_path"]
        if not isinstance(path, str):
            raise InvalidMessage("'audio_path' must be a string")
        try:
            speech = load_audio(path, rate=ASR_RATE, max_seconds=self.max_seconds)
            phone = resample(speech, ASR_RATE, SAMPLE_RATE)
            synthetic = self.voice.score(phone, SAMPLE_RATE)
        except AudioError as exc:
            if has_own_words(record):  # the words are there (a Takeout transcript): score them, without a voice
                return record, None
            raise InvalidMessage(f"audio: {exc}") from None
        except EncoderUnavailable as exc:  # the voice model's front end is not installed
            raise InvalidMessage(str(exc)) from None
        transcript = None
        if not has_own_words(record):
            from detector.audio.transcription import TranscriberUnavailable

            try:
                transcript = self.transcriber.transcribe(speech, hotwords=_recipient_words(record))
            except TranscriberUnavailable as exc:
                raise InvalidMessage(str(exc)) from None
            except Exception as exc:  # noqa: BLE001 - one unreadable recording must not end the run
                raise InvalidMessage(f"speech recognition failed ({type(exc).__name__})") from None
        heard_record = dict(record)
        if record.get("channel") in CHANNELS and record.get("channel") not in VOICE_CHANNELS:
            heard_record["channel"] = "voicemail"  # what was heard is scored as a voicemail's words
        if transcript is not None:
            heard_record["body"] = transcript
        return heard_record, Heard(synthetic, transcript, self._hashes(phone), self.voice.threshold)

    def _hashes(self, phone: np.ndarray) -> np.ndarray | None:
        try:
            hashes = chromaprint(trim_silence(phone), SAMPLE_RATE)
        except FpcalcMissing as exc:  # off for every recording: said once
            if not self._warned:
                log.warning("audio campaigns are off: %s", exc)
                self._warned = True
            return None
        except FingerprintUnavailable as exc:  # this recording only (too short, undecodable for fpcalc)
            log.debug("one recording has no audio fingerprint and joins no audio campaign: %s", exc)
            return None
        return hashes if hashes.size >= MIN_CHUNKS * CHUNK else None

    @staticmethod
    def fingerprint(message: Message, heard: Heard) -> Fingerprint | None:
        """The recording's entry for the campaign index (hashes and salted ids only)."""
        if heard.hashes is None:
            return None
        return audio_print(heard.hashes, recipient_key(message), message.id)


def _campaign_dict(campaign: Campaign) -> dict[str, Any]:
    return {"id": campaign.id, "copies": campaign.copies, "recipients": campaign.recipients}


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"


def voice_summary(heard: Heard, campaign: Campaign | None) -> dict[str, Any]:
    """The result's `voice` field: how synthetic the voice sounds, what was heard, the recording's campaign."""
    linked = _campaign_dict(campaign) if campaign is not None else None
    return {"synthetic": round(heard.synthetic, 4), "transcript": heard.transcript, "campaign": linked}


def voice_hits(heard: Heard, campaign: Campaign | None) -> dict[str, Hit]:
    """SYNTHETIC_VOICE above the voice model's threshold, VOICE_CAMPAIGN_COPY when the recording was linked
    (at full strength only when it reached several people)."""
    hits = {}
    strength = max(0.0, (heard.synthetic - heard.threshold) / (1.0 - heard.threshold))
    if strength > 0:
        hits[SYNTHETIC_VOICE] = Hit(SYNTHETIC_VOICE, strength=strength, data={"probability": heard.synthetic})
    if campaign is not None:
        part = "with a short part that differs, such as a name spliced in" if campaign.signatures_differ \
            else "unchanged"
        hits[VOICE_CAMPAIGN_COPY] = Hit(VOICE_CAMPAIGN_COPY, strength=1.0 if campaign.recipients > 1 else 0.0, data={
            "explanation": f"The same recording, {part}, was left for {_people(campaign.recipients)} "
                           f"({campaign.copies} copies).",
            "campaign": _campaign_dict(campaign),
        })
    return hits
