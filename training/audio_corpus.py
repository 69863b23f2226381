"""The audio corpus: human speech vs synthetic voicemail drops, each clip in several channels.

Human (split by speaker downstream): `human_speech` (LibriSpeech train-clean-100 and test-other
readers, Open Speech Repository 8 kHz telephone recordings; 261 speakers), FSDD digits (6
speakers, joined into phone-number strings), LJ Speech clips (1 reader), Asterisk core prompts
when installed (1 voice actor, `asterisk-core-sounds-en-wav`; its digits joined into phone
numbers too). Synthetic: the project's voicemail-drop scripts with names filled (some with the
recipient's name rendered separately and spliced in, as voice-drop tools do), plus the human
sources' own content (the same digit strings, the LJ transcripts), rendered by every installed
TTS voice (training.tts). Content therefore overlaps between the classes.

Both classes get the same normalisation: resampled to 8 kHz, leading/trailing silence trimmed,
cut to MAX_CLIP_SECONDS, then peak-normalised to a random level in every channel variant. Each
clip is written in VARIANTS_PER_CLIP channel variants (training.telephone), dealt round-robin
from a seeded order within each label so every channel is as common on both sides, as 16-bit
FLAC, one index row per (clip, variant). TTS renders are cached in `<out>/tts/` by voice and
text, so a rebuild re-renders nothing. Everything is seeded (Piper's noise ops too, see
training.tts), so two builds on the same machine give the same files.

Optionally (`vocoded_share`), a share of the human clips is also copied through each vocoder of
training.vocoders into the synthetic class (engine `vocoded-<name>`): same speaker (so the same
speaker fold), same words, same channel variants and channel settings as the human clip, so the
only difference within such a pair is how the waveform was made.

Optionally (`excerpt_share`), a share of the human and TTS clips is also cut to a short excerpt
(EXCERPT_SECONDS, from a seeded offset) as a clip of its own, with its clip's speaker or engine
and channel settings: without them the only human clips under 1.5 s were the Asterisk prompts,
so clip length told the classes apart, and short human speech was flagged as synthetic.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from detector.audio.decoding import SAMPLE_RATE, resample
from detector.audio.features import trim_silence
from training import telephone, tts, vocoders

ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
HUMAN_SPEECH = "human_speech"
HUMAN_SPEECH_SOURCES = {"read_clean": "librispeech_clean", "read_other": "librispeech_other",
                        "read_telephone_8k": "osr_8k"}
"""human_speech's `condition` column → the source name used in the index and the tables."""
SAME_TALKER = {"osr:OSR_us_000_0012": "osr:OSR_us_000_0011"}
"""Recordings the data card says may be one talker: kept as one speaker, so a split never divides them."""
VOICEMAIL_FAMILY = "voicemail_drop_script"
MAX_CLIP_SECONDS = 6.0
MIN_CLIP_SECONDS = 0.5
"""Clips with less speech than this after trimming (a few one-word prompts) are left out."""
EXCERPT = "excerpt"
EXCERPT_SECONDS = (0.7, 1.5)
"""Length range of a short excerpt (a one-phrase greeting or prompt), drawn per excerpt."""
EXCERPT_SHARE = 0.5
"""Share of clips also cut to an excerpt in the shipped corpus (measured 0, 0.25 and 0.5: see the voice card)."""
SCRIPT_WORDS = 20
"""A script is read up to its first SCRIPT_WORDS words (~7 s): the clip is cut at MAX_CLIP_SECONDS anyway."""
VARIANTS_PER_CLIP = 4
SPLICED_SHARE = 0.5
"""Share of script clips whose recipient name is rendered on its own and spliced in."""
SCRIPTS_PER_VOICE = {"espeak-ng": 7, "flite": 7, "festival": 6, "piper": 6, "kokoro": 4}
DIGIT_STRINGS_PER_VOICE = {"espeak-ng": 3, "flite": 3, "festival": 2, "piper": 2, "kokoro": 2}
LJ_PER_VOICE = {"espeak-ng": 2, "flite": 2, "festival": 2, "piper": 2, "kokoro": 1}
"""Clips per voice by engine: the neural engines are slow on CPU and have more voices."""
DIGIT_STRINGS = 8
"""Phone-number strings per FSDD speaker; the synthetic voices read the same strings."""
ASTERISK_PROMPTS = 40
ASTERISK_DIGIT_STRINGS = 6
DIGIT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
INDEX_FIELDS = ("clip_id", "label", "source", "engine", "voice", "speaker", "content", "text_id",
                "variant", "channel", "noise", "settings", "seconds", "path")


class AudioCorpusError(RuntimeError):
    """An input the build needs is missing or unreadable."""


@dataclass(frozen=True)
class Clip:
    """One utterance before channels: where it comes from and how to get its samples."""

    clip_id: str
    label: str            # "human" | "synthetic"
    source: str           # human corpus name, or the TTS engine
    engine: str           # TTS engine, "" for human speech
    voice: str            # TTS voice id, "" for human speech
    speaker: str
    content: str          # "script" | "spliced" | "digits" | "lj" | "prompt" | "read"
    text_id: str
    text: tuple[str, ...] = ()   # what a TTS voice reads, rendered piece by piece and spliced (not indexed)
    parts: tuple[str, ...] = ()  # human audio files to join, in order
    of: str = ""                 # a vocoded copy or excerpt: the clip it comes from (its channel settings too; not indexed)


# ---------------------------------------------------------------- what to render


def digit_strings(count: int, seed: str) -> list[tuple[int, ...]]:
    """Ten-digit phone numbers, grouped 3-3-4 when read."""
    rng = random.Random(f"digits:{seed}")
    return [tuple(rng.randrange(10) for _ in range(10)) for _ in range(count)]


def digits_text(digits: tuple[int, ...]) -> str:
    """A digit string as the synthetic voices read it: number words, grouped 3-3-4 with pauses (commas)."""
    words = [DIGIT_WORDS[d] for d in digits]
    return f"{' '.join(words[:3])}, {' '.join(words[3:6])}, {' '.join(words[6:])}."


def _ljspeech(corpora: Path) -> list[dict[str, str]]:
    path = corpora / "ljspeech_samples" / "metadata.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def human_speech_clips(corpora: Path) -> list[Clip]:
    """The human_speech folder (its data card: ../shared/corpora/audio/human_speech/HUMAN_SPEECH.md)."""
    folder = corpora / HUMAN_SPEECH
    with (folder / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    clips = []
    for r in rows:
        if r["condition"] in HUMAN_SPEECH_SOURCES:
            source, stem = HUMAN_SPEECH_SOURCES[r["condition"]], Path(r["file"]).stem
            speaker = SAME_TALKER.get(r["speaker_id"], r["speaker_id"])
            clips.append(Clip(f"{source}-{stem}", "human", source, "", "", speaker, "read", stem,
                              parts=(str(folder / r["file"]),)))
    return clips


def _human_clips(corpora: Path, seed: int) -> list[Clip]:
    clips: list[Clip] = human_speech_clips(corpora) if (corpora / HUMAN_SPEECH / "metadata.csv").is_file() else []
    fsdd = corpora / "fsdd"
    with (fsdd / "metadata.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_speaker: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        by_speaker[row["speaker"]][int(row["digit"])].append(str(fsdd / row["file"]))
    for speaker in sorted(by_speaker):
        rng = random.Random(f"{seed}:fsdd:{speaker}")
        for i, number in enumerate(digit_strings(DIGIT_STRINGS, f"{seed}")):
            parts = tuple(rng.choice(by_speaker[speaker][d]) for d in number)
            clips.append(Clip(f"fsdd-{speaker}-{i:02d}", "human", "fsdd", "", "", f"fsdd:{speaker}", "digits",
                              f"digits-{i:02d}", parts=parts))
    for row in _ljspeech(corpora):
        clips.append(Clip(f"ljspeech-{Path(row['file']).stem}", "human", "ljspeech", "", "", "ljspeech:lj", "lj",
                          f"lj-{Path(row['file']).stem}", parts=(str(corpora / "ljspeech_samples" / row["file"]),)))
    if ASTERISK_SOUNDS.is_dir():
        prompts = sorted(p for p in ASTERISK_SOUNDS.glob("*.wav"))
        rng = random.Random(f"{seed}:asterisk")
        for path in sorted(rng.sample(prompts, min(ASTERISK_PROMPTS, len(prompts)))):
            clips.append(Clip(f"asterisk-{path.stem}", "human", "asterisk", "", "", "asterisk:allison", "prompt",
                              f"prompt-{path.stem}", parts=(str(path),)))
        for i, number in enumerate(digit_strings(ASTERISK_DIGIT_STRINGS, f"{seed}")):
            parts = tuple(str(ASTERISK_SOUNDS / "digits" / f"{d}.wav") for d in number)
            clips.append(Clip(f"asterisk-digits-{i:02d}", "human", "asterisk", "", "", "asterisk:allison", "digits",
                              f"digits-{i:02d}", parts=parts))
    return clips


def voicemail_scripts(templates: Path, seed: int) -> list[tuple[str, str, str]]:
    """(id, text, recipient first name) of every rendered voicemail-drop script, names filled;
    the text is cut after SCRIPT_WORDS words (the clip is cut there anyway)."""
    from training.templates import render_smile

    records = render_smile(templates, seed=seed, copies_per_template=4)
    return [(r["id"], _opening(r["body"]), (r.get("recipient") or {}).get("first_name") or "")
            for r in records if r.get("family") == VOICEMAIL_FAMILY]


def _opening(text: str) -> str:
    words = text.split()
    return " ".join(words[:SCRIPT_WORDS]).rstrip(",;:") + ("." if len(words) > SCRIPT_WORDS else "")


def splice_pieces(text: str, name: str) -> tuple[str, ...]:
    """The script cut around the recipient's name, as a voice-drop tool records it: the message
    once, the name on its own, joined at render time. No name in the text: one piece."""
    at = text.lower().find(name.lower()) if name else -1
    if at < 0:
        return (text,)
    pieces = (text[:at], text[at:at + len(name)], text[at + len(name):])
    return tuple(p.strip(" ,") for p in pieces if p.strip(" ,.!?"))


def _synthetic_clips(voices: list[tts.Voice], templates: Path, corpora: Path, seed: int) -> list[Clip]:
    scripts = voicemail_scripts(templates, seed)
    if not scripts:
        raise AudioCorpusError(f"{templates}: no {VOICEMAIL_FAMILY} templates")
    numbers = digit_strings(DIGIT_STRINGS, f"{seed}")
    lj = [row for row in _ljspeech(corpora) if row["transcript"].strip()]
    clips = []
    for voice in voices:
        rng = random.Random(f"{seed}:{voice.id}")
        chosen: list[tuple[str, str, tuple[str, ...]]] = []
        for sid, text, name in rng.sample(scripts, min(SCRIPTS_PER_VOICE[voice.engine], len(scripts))):
            pieces = splice_pieces(text, name) if rng.random() < SPLICED_SHARE else (text,)
            chosen.append(("spliced" if len(pieces) > 1 else "script", sid, pieces))
        chosen += [("digits", f"digits-{i:02d}", (digits_text(numbers[i]),))
                   for i in sorted(rng.sample(range(len(numbers)), DIGIT_STRINGS_PER_VOICE[voice.engine]))]
        chosen += [("lj", f"lj-{Path(row['file']).stem}", (row["transcript"],))
                   for row in rng.sample(lj, min(LJ_PER_VOICE[voice.engine], len(lj)))]
        for content, text_id, text in chosen:
            clips.append(Clip(f"{voice.id}-{text_id}", "synthetic", voice.engine, voice.engine, voice.id,
                              voice.id, content, text_id, text=text))
    return clips


def vocoded_clips(human: list[Clip], names: list[str], share: float, seed: int) -> list[Clip]:
    """Each vocoder's copies of a seeded `share` of the human clips (drawn per vocoder)."""
    clips = []
    for name in names:
        engine = vocoders.ENGINE_PREFIX + name
        rng = random.Random(f"{seed}:{engine}")
        for source in sorted(human, key=lambda c: c.clip_id):
            if rng.random() < share:
                clips.append(Clip(f"{engine}-{source.clip_id}", "synthetic", engine, engine, engine, source.speaker,
                                  source.content, source.text_id, parts=source.parts, of=source.clip_id))
    return clips


def excerpt_clips(clips: list[Clip], share: float, seed: int) -> list[Clip]:
    """Short excerpts of a seeded `share` of the clips, of either label; each keeps its clip's speaker or voice."""
    rng = random.Random(f"{seed}:{EXCERPT}")
    return [replace(c, clip_id=f"{EXCERPT}-{c.clip_id}", content=EXCERPT, of=c.clip_id)
            for c in sorted(clips, key=lambda c: c.clip_id) if rng.random() < share]


# ---------------------------------------------------------------- rendering


def _join(parts: tuple[str, ...], seed: str) -> np.ndarray:
    """Human parts at 8 kHz, each trimmed, joined with short pauses (digit strings read aloud)."""
    import soundfile as sf

    rng = random.Random(seed)
    pieces = []
    for i, part in enumerate(parts):
        samples, rate = sf.read(part, dtype="float32", always_2d=True)
        piece = trim_silence(resample(samples.mean(axis=1), rate))
        gap = rng.uniform(0.25, 0.45) if i in (3, 6) else rng.uniform(0.05, 0.15)
        pieces += [piece, np.zeros(int(gap * SAMPLE_RATE), np.float32)]
    return np.concatenate(pieces[:-1]) if len(parts) > 1 else pieces[0]


def _rendered(voice: tts.Voice, text: str, cache: Path | None) -> np.ndarray:
    """One TTS render at 8 kHz, from the cache when this voice has read this text before."""
    key = hashlib.sha256(f"{voice}|{text}".encode()).hexdigest()[:20]
    path = cache / voice.id / f"{key}.npy" if cache is not None else None
    if path is not None and path.is_file():
        return np.load(path)
    samples, rate = tts.synthesize(voice, text)
    x = resample(samples, rate)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path, x)
    return x


def render_clip(clip: Clip, seed: int, cache: Path | None = None) -> np.ndarray:
    """The clip's speech at 8 kHz, silence trimmed, at most MAX_CLIP_SECONDS. Spliced pieces are
    each trimmed and joined with a short gap, as a name is dropped into a recorded message. A vocoded
    copy is its human clip, rendered the same way, through the vocoder (same length); an excerpt, a
    seeded stretch of EXCERPT_SECONDS of its clip's speech (empty, so left out, where the clip is no
    longer than the excerpt would be: it would repeat the clip)."""
    if clip.content == EXCERPT:
        whole = render_clip(replace(clip, clip_id=clip.of, content="", of=""), seed, cache)
        rng = random.Random(f"{seed}:{clip.clip_id}")
        size = int(rng.uniform(*EXCERPT_SECONDS) * SAMPLE_RATE)
        if whole.size <= size:
            return whole[:0]
        start = rng.randrange(whole.size - size + 1)
        return trim_silence(whole[start:start + size])
    if vocoders.is_vocoded(clip.engine):
        human = render_clip(Clip(clip.of, "human", "", "", "", clip.speaker, clip.content, clip.text_id,
                                 parts=clip.parts), seed)
        return vocoders.vocode(clip.engine.removeprefix(vocoders.ENGINE_PREFIX), human, SAMPLE_RATE,
                               f"{seed}:{clip.clip_id}")
    if clip.label == "human":
        x = _join(clip.parts, f"{seed}:{clip.clip_id}")
    else:
        voice = next(v for v in tts.VOICES if v.id == clip.voice)
        rng = random.Random(f"{seed}:{clip.clip_id}:splice")
        pieces = []
        for text in clip.text:
            piece = _rendered(voice, text, cache)
            pieces += [trim_silence(piece) if len(clip.text) > 1 and np.abs(piece).max() > 1e-4 else piece,
                       np.zeros(int(rng.uniform(0.03, 0.12) * SAMPLE_RATE), np.float32)]
        x = np.concatenate(pieces[:-1])
    if np.abs(x).max() < 1e-4:
        raise AudioCorpusError(f"{clip.clip_id}: rendered silence")
    return trim_silence(x)[: int(MAX_CLIP_SECONDS * SAMPLE_RATE)]


def deal_variants(clips: list[Clip], seed: int) -> dict[str, tuple[telephone.Variant, ...]]:
    """VARIANTS_PER_CLIP channel variants per clip, dealt round-robin from one seeded order per label,
    so each variant is about equally common among human and synthetic clips; a vocoded copy gets its
    human clip's variants (and is left out of the dealing, so adding copies changes no other clip's)."""
    deal: dict[str, tuple[telephone.Variant, ...]] = {}
    per_clip = min(VARIANTS_PER_CLIP, len(telephone.VARIANTS))
    for label in ("human", "synthetic"):
        order = list(telephone.VARIANTS)
        random.Random(f"{seed}:variants:{label}").shuffle(order)
        mine = sorted((c for c in clips if c.label == label and not c.of), key=lambda c: c.clip_id)
        random.Random(f"{seed}:clips:{label}").shuffle(mine)
        for i, clip in enumerate(mine):
            deal[clip.clip_id] = tuple(order[(i * per_clip + k) % len(order)] for k in range(per_clip))
    deal.update({c.clip_id: deal[c.of] for c in clips if c.of})
    return deal


def _build_one(args: tuple[Clip, int, Path, tuple[telephone.Variant, ...]]) -> list[dict[str, Any]]:
    import soundfile as sf

    clip, seed, out, variants = args
    speech = render_clip(clip, seed, out / "tts")
    if speech.size < MIN_CLIP_SECONDS * SAMPLE_RATE:
        return []
    rows = []
    for variant in variants:
        audio, settings = telephone.apply(speech, SAMPLE_RATE, variant, f"{seed}:{clip.of or clip.clip_id}")
        relative = Path("clips") / variant.id / f"{clip.clip_id}.flac"
        sf.write(out / relative, audio, SAMPLE_RATE, subtype="PCM_16", format="FLAC")
        row = {k: v for k, v in asdict(clip).items() if k in INDEX_FIELDS}
        row.update(variant=variant.id, channel=variant.channel, noise=variant.noise,
                   settings=json.dumps(settings, sort_keys=True), seconds=round(audio.size / SAMPLE_RATE, 3),
                   path=str(relative))
        rows.append(row)
    return rows


@dataclass
class AudioReport:
    """What `build_audio_corpus` wrote: the index, how many clips and channelled rows, and the summary also
    saved as report.json."""

    path: Path
    clips: int
    rows: int
    summary: dict[str, Any]


def _summary(rows: list[dict[str, Any]], voices: list[tts.Voice], missing: dict[str, str],
             vocoded: dict[str, Any]) -> dict[str, Any]:
    first_rows = {}
    for r in rows:
        first_rows.setdefault(r["clip_id"], r)
    per_clip = list(first_rows.values())  # one row per clip: clip counts and seconds before channels
    variants: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        variants[r["source"] if r["label"] == "human" else r["voice"]][r["variant"]] += 1
    table: dict[str, dict[str, dict[str, float]]] = defaultdict(lambda: defaultdict(lambda: {"clips": 0, "seconds": 0.0}))
    by_source: dict[str, dict[str, float]] = defaultdict(lambda: {"clips": 0, "seconds": 0.0})
    for r in per_clip:
        for cell in (table[r["label"]][r["content"]], by_source[f"{r['label']}/{r['source']}"]):
            cell["clips"] += 1
            cell["seconds"] += float(r["seconds"])
    durations = {label: sorted(float(r["seconds"]) for r in per_clip if r["label"] == label) for label in table}
    return {
        "by_label_content": {k: {c: {"clips": v["clips"], "seconds": round(v["seconds"], 1)} for c, v in d.items()}
                             for k, d in table.items()},
        "by_source": {k: {"clips": v["clips"], "seconds": round(v["seconds"], 1)} for k, v in sorted(by_source.items())},
        "clip_seconds": {label: {"median": round(float(np.median(d)), 2), "min": round(d[0], 2), "max": round(d[-1], 2)}
                         for label, d in durations.items()},
        "variants": [v.id for v in telephone.VARIANTS],
        "variants_per_clip": VARIANTS_PER_CLIP,
        "rows_by_source_or_voice_and_variant": {k: dict(sorted(v.items())) for k, v in sorted(variants.items())},
        "voices": [v.id for v in voices],
        "voices_missing": missing,
        "vocoded": vocoded,
        "engines": tts.engine_versions(),
        "deterministic": "yes: seeded fills, splices, channel dealing and channels, Piper noise; sox without dither",
    }


def build_audio_corpus(corpora: Path, templates: Path, out: Path, seed: int = 13, jobs: int = 2,
                       log: Callable[[str], None] = print, vocoded_share: float = 0.0,
                       excerpt_share: float = EXCERPT_SHARE) -> AudioReport:
    """Render, channel and index the whole corpus into `out` (index.csv + report.json + clips/); with
    `vocoded_share` > 0, that share of the human clips is also copied through each available vocoder, with
    `excerpt_share` > 0 that share of the human and TTS clips is also cut to a short excerpt."""
    for name, share in (("vocoded", vocoded_share), ("excerpt", excerpt_share)):
        if not 0.0 <= share <= 1.0:
            raise AudioCorpusError(f"{name} share {share} is not between 0 and 1")
    audio = corpora / "audio" if (corpora / "audio").is_dir() else corpora
    if not (audio / "fsdd" / "metadata.csv").is_file():
        raise AudioCorpusError(f"{corpora}: no audio/fsdd/metadata.csv; pass the shared corpora folder")
    if reason := telephone.missing_reason():
        raise AudioCorpusError(reason)
    missing = {v.id: r for v in tts.VOICES if (r := tts.missing_reason(v))}
    voices = tts.available_voices()
    for voice_id, reason in missing.items():
        log(f"warning: voice {voice_id} skipped: {reason}")
    if not voices:
        raise AudioCorpusError("no TTS engine installed; see training/tts.py for the packages")
    if not ASTERISK_SOUNDS.is_dir():
        log(f"warning: {ASTERISK_SOUNDS} missing (apt-get install asterisk-core-sounds-en-wav); no prompts")
    if not (audio / HUMAN_SPEECH / "metadata.csv").is_file():
        log(f"warning: {audio / HUMAN_SPEECH} missing; human speech is FSDD, LJ Speech and Asterisk only")
    human = _human_clips(audio, seed)
    vocoder_names = []
    for name in vocoders.VOCODERS if vocoded_share > 0 else ():
        if reason := vocoders.missing_reason(name):
            log(f"warning: vocoder {name} skipped: {reason}")
        else:
            vocoder_names.append(name)
    spoken = human + _synthetic_clips(voices, templates, audio, seed)
    clips = spoken + vocoded_clips(human, vocoder_names, vocoded_share, seed) + excerpt_clips(spoken, excerpt_share, seed)
    deal = deal_variants(clips, seed)
    for variant in telephone.VARIANTS:
        (out / "clips" / variant.id).mkdir(parents=True, exist_ok=True)
    log(f"rendering {len(clips)} clips x {VARIANTS_PER_CLIP} channel variants with {jobs} jobs")
    rows: list[dict[str, Any]] = []
    skipped = 0
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for i, clip_rows in enumerate(pool.map(_build_one, [(c, seed, out, deal[c.clip_id]) for c in clips], chunksize=2)):
            rows += clip_rows
            skipped += not clip_rows
            if (i + 1) % 100 == 0:
                log(f"  {i + 1}/{len(clips)} clips")
    with (out / "index.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=INDEX_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    summary = _summary(rows, voices, missing, {"share": vocoded_share, "vocoders": vocoder_names})
    summary["excerpts"] = {"share": excerpt_share, "seconds": list(EXCERPT_SECONDS)}
    summary.update(seed=seed, clips=len(clips) - skipped, rows=len(rows),
                   skipped_short=f"{skipped} clips under {MIN_CLIP_SECONDS} s of speech (or excerpts of clips "
                                 "no longer than the excerpt)")
    log(f"left out {skipped} clips with under {MIN_CLIP_SECONDS} s of speech or excerpts of clips no longer "
        "than the excerpt")
    (out / "report.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return AudioReport(out / "index.csv", len(clips) - skipped, len(rows), summary)
