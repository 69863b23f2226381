"""The audio corpus builder on a tiny fake corpus with one espeak-ng voice: every channel, deterministic.

Needs espeak-ng and sox (+ libsox-fmt-all for GSM/AMR-NB); skips with the reason when they are absent.
CI installs them (see the README's audio section).
"""

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from detector.audio.features import FRAME
from training import audio_corpus, telephone, tts, vocoders

REPO = Path(__file__).parents[2]
ESPEAK = tts.Voice("espeak-ng", "en-us", "en-us")


def _require_tools():
    if reason := tts.missing_reason(ESPEAK):
        pytest.skip(f"TTS engine absent: {reason}")
    if reason := telephone.missing_reason():
        pytest.skip(f"telephone channels unavailable: {reason}")


def _tone(seconds: float, rate: int, f0: float) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.2 * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 6)) * np.hanning(t.size)).astype(np.float32)


def _fake_corpora(root: Path) -> Path:
    """Two 'speakers' saying ten 'digits' (harmonic tones), two 'LJ' clips and two human_speech readers
    (one at 16 kHz, one 8 kHz telephone): the shapes the builder reads."""
    rate = 8000
    fsdd = root / "audio" / "fsdd"
    lj = root / "audio" / "ljspeech_samples"
    speech = root / "audio" / "human_speech"
    fsdd.mkdir(parents=True)
    lj.mkdir(parents=True)
    (speech / "librispeech_train_clean_100").mkdir(parents=True)
    (speech / "osr_8k").mkdir()
    with (speech / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "speaker_id", "condition", "sample_rate"])
        writer.writeheader()
        for name, speaker, condition, sr in (("librispeech_train_clean_100/19-1-0000.flac", "librispeech:19",
                                              "read_clean", 16000),
                                             ("osr_8k/OSR_us_000_0011_8k_seg00.wav", "osr:OSR_us_000_0011_8k",
                                              "read_telephone_8k", 8000)):
            sf.write(speech / name, _tone(2.0, sr, 140.0), sr)
            writer.writerow({"file": name, "speaker_id": speaker, "condition": condition, "sample_rate": sr})
    rows = []
    for speaker, f0 in (("ann", 210.0), ("bob", 110.0)):
        for digit in range(10):
            t = np.arange(int(0.4 * rate)) / rate
            tone = sum(np.sin(2 * np.pi * f0 * k * (1 + 0.02 * digit) * t) / k for k in range(1, 6))
            name = f"{digit}_{speaker}_0.wav"
            sf.write(fsdd / name, (0.2 * tone * np.hanning(t.size)).astype(np.float32), rate, subtype="PCM_16")
            rows.append({"file": name, "speaker": speaker, "digit": digit, "index": 0, "sample_rate": rate,
                         "seconds": 0.4})
    with (fsdd / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    with (lj / "metadata.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=["file", "transcript", "sample_rate", "seconds"])
        writer.writeheader()
        for i, text in enumerate(("in being comparatively modern.", "has never been surpassed.")):
            name = f"LJ00{i}.wav"
            t = np.arange(2 * 22050) / 22050
            sf.write(lj / name, (0.2 * np.sin(2 * np.pi * 180 * t)).astype(np.float32), 22050, subtype="PCM_16")
            writer.writerow({"file": name, "transcript": text, "sample_rate": 22050, "seconds": 2.0})
    return root


@pytest.fixture
def small_build(monkeypatch):
    monkeypatch.setattr(tts, "VOICES", (ESPEAK,))
    monkeypatch.setattr(audio_corpus, "ASTERISK_SOUNDS", Path("/nonexistent"))
    monkeypatch.setattr(audio_corpus, "SCRIPTS_PER_VOICE", {"espeak-ng": 2})
    monkeypatch.setattr(audio_corpus, "DIGIT_STRINGS", 2)
    monkeypatch.setattr(audio_corpus, "DIGIT_STRINGS_PER_VOICE", {"espeak-ng": 1})
    monkeypatch.setattr(audio_corpus, "LJ_PER_VOICE", {"espeak-ng": 1})
    monkeypatch.setattr(audio_corpus, "MAX_CLIP_SECONDS", 3.0)


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != "report.json":
            digest.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def test_builds_every_channel_variant_deterministically(tmp_path, small_build):
    _require_tools()
    corpora = _fake_corpora(tmp_path / "corpora")
    first = audio_corpus.build_audio_corpus(corpora, REPO / "data" / "templates", tmp_path / "a", seed=3, jobs=1,
                                            log=lambda _: None, excerpt_share=0.0)
    with first.path.open() as fh:
        rows = list(csv.DictReader(fh))
    clips = {r["clip_id"] for r in rows}
    # 2 readers + 2 speakers x 2 digit strings + 2 LJ clips (human); 2 scripts + 1 digit string + 1 LJ text (espeak)
    assert len(clips) == 12 and len(rows) == 12 * audio_corpus.VARIANTS_PER_CLIP
    assert {r["variant"] for r in rows} == {v.id for v in telephone.VARIANTS}
    assert {r["source"] for r in rows if r["label"] == "human"} == {"librispeech_clean", "osr_8k", "fsdd", "ljspeech"}
    assert {r["label"] for r in rows} == {"human", "synthetic"}
    synthetic_content = {r["content"] for r in rows if r["label"] == "synthetic"}
    assert synthetic_content <= {"script", "spliced", "digits", "lj"} and {"digits", "lj"} <= synthetic_content
    for row in rows:
        info = sf.info(tmp_path / "a" / row["path"])
        assert info.samplerate == 8000 and 0 < info.duration <= 3.0
    assert first.summary["voices"] == [ESPEAK.id]
    second = audio_corpus.build_audio_corpus(corpora, REPO / "data" / "templates", tmp_path / "b", seed=3, jobs=1,
                                             log=lambda _: None, excerpt_share=0.0)
    assert second.rows == first.rows
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


def test_variants_are_dealt_evenly_within_each_label():
    clips = [audio_corpus.Clip(f"{label}-{i}", label, "s", "", "", f"sp{i}", "read", "t")
             for label in ("human", "synthetic") for i in range(30)]
    deal = audio_corpus.deal_variants(clips, seed=3)
    assert deal == audio_corpus.deal_variants(clips, seed=3)
    for label in ("human", "synthetic"):
        counts = {v.id: 0 for v in telephone.VARIANTS}
        for clip in clips:
            if clip.label == label:
                assert len(set(deal[clip.clip_id])) == audio_corpus.VARIANTS_PER_CLIP
                for variant in deal[clip.clip_id]:
                    counts[variant.id] += 1
        assert max(counts.values()) - min(counts.values()) <= 1  # no channel is more common on one side


def test_leading_silence_and_level_are_normalised_away_for_both_classes(tmp_path, monkeypatch):
    """A clip that starts with a second of digital silence and is 20 dB quieter comes out of the builder
    (trim, then the channel's peak normalisation, the same code for human and TTS audio) like the same
    speech without them: within one analysis frame of length, at the same level. No 'starts loud' or
    'digital silence' cue survives into the corpus."""
    if reason := telephone.missing_reason():
        pytest.skip(f"telephone channels unavailable: {reason}")
    speech = _tone(1.5, 8000, 120.0)
    plain, padded = tmp_path / "plain.wav", tmp_path / "padded.wav"
    sf.write(plain, speech, 8000, subtype="FLOAT")
    sf.write(padded, np.r_[np.zeros(8000, np.float32), 0.1 * speech, np.zeros(4000, np.float32)], 8000,
             subtype="FLOAT")
    monkeypatch.setattr(tts, "synthesize", lambda voice, text: sf.read(text, dtype="float32"))
    for label in ("human", "synthetic"):
        for variant in telephone.VARIANTS:
            outputs = []
            for path in (plain, padded):
                clip = audio_corpus.Clip("c", "human", "s", "", "", "sp", "read", "t", parts=(str(path),)) \
                    if label == "human" else \
                    audio_corpus.Clip("c", "synthetic", "espeak-ng", "espeak-ng", ESPEAK.id, ESPEAK.id, "script", "t",
                                      text=(str(path),))  # the fake engine "reads" the file named by its text
                outputs.append(telephone.apply(audio_corpus.render_clip(clip, 3), 8000, variant, "3:c")[0])
            a, b = outputs
            assert abs(a.size - b.size) <= FRAME, variant
            n = min(a.size, b.size)
            level = [20 * np.log10(np.sqrt(np.mean(o[:n] ** 2))) for o in (a, b)]
            assert abs(level[0] - level[1]) < 0.5, (variant, level)


def test_a_name_is_spliced_in_as_its_own_piece():
    assert audio_corpus.splice_pieces("Hi Dana, this is Mark from Acme.", "Dana") == \
        ("Hi", "Dana", "this is Mark from Acme.")
    assert audio_corpus.splice_pieces("hello this message is for dana my name is mark", "Dana") == \
        ("hello this message is for", "dana", "my name is mark")
    assert audio_corpus.splice_pieces("No name here.", "Dana") == ("No name here.",)


def test_digit_strings_are_read_as_grouped_phone_numbers():
    numbers = audio_corpus.digit_strings(3, "x")
    assert numbers == audio_corpus.digit_strings(3, "x") and all(len(n) == 10 for n in numbers)
    assert audio_corpus.digits_text((4, 1, 5, 5, 5, 5, 0, 1, 4, 2)) == \
        "four one five, five five five, zero one four two."


def test_missing_corpora_is_a_clear_error(tmp_path):
    with pytest.raises(audio_corpus.AudioCorpusError, match="fsdd"):
        audio_corpus.build_audio_corpus(tmp_path, REPO / "data" / "templates", tmp_path / "out", log=lambda _: None)


def test_vocoded_copies_and_excerpts_keep_their_clip_speaker_and_channel(tmp_path, small_build):
    """With a vocoded share, copies of human clips join the synthetic class: each has its human clip's
    speaker, content, channel variants, channel settings and length, but other samples. With an excerpt
    share, clips of both labels are also cut to short excerpts with their clip's label, speaker, engine
    and channel. Nothing else in the corpus changes (neither takes part in dealing the other clips' variants)."""
    _require_tools()
    corpora = _fake_corpora(tmp_path / "corpora")
    templates = REPO / "data" / "templates"
    plain = audio_corpus.build_audio_corpus(corpora, templates, tmp_path / "a", seed=3, jobs=1, log=lambda _: None,
                                            excerpt_share=0.0)
    report = audio_corpus.build_audio_corpus(corpora, templates, tmp_path / "b", seed=3, jobs=1, log=lambda _: None,
                                             vocoded_share=1.0, excerpt_share=1.0)
    with plain.path.open() as fh:
        before = list(csv.DictReader(fh))
    with report.path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert rows[: len(before)] == before
    names = [n for n in vocoders.VOCODERS if not vocoders.missing_reason(n)]
    assert report.summary["vocoded"] == {"share": 1.0, "vocoders": names}
    by_id = {(r["clip_id"], r["variant"]): r for r in before}
    human = {k: r for k, r in by_id.items() if r["label"] == "human"}
    copies = [r for r in rows if vocoders.is_vocoded(r["engine"])]
    assert len(copies) == len(names) * len(human)  # share 1.0: every human clip variant, once per vocoder
    for copy in copies:
        assert copy["label"] == "synthetic" and copy["source"] == copy["engine"] == copy["voice"]
        source = human[(copy["clip_id"].removeprefix(copy["engine"] + "-"), copy["variant"])]
        for field in ("speaker", "content", "text_id", "channel", "noise", "settings", "seconds"):
            assert copy[field] == source[field], field
        a, _ = sf.read(tmp_path / "b" / copy["path"])
        b, _ = sf.read(tmp_path / "b" / source["path"])
        assert a.size == b.size and not np.allclose(a, b, atol=1e-3)
    excerpts = [r for r in rows if r["content"] == audio_corpus.EXCERPT]
    assert {r["label"] for r in excerpts} == {"human", "synthetic"} and len(excerpts) <= len(before)
    for excerpt in excerpts:
        source = by_id[(excerpt["clip_id"].removeprefix(audio_corpus.EXCERPT + "-"), excerpt["variant"])]
        for field in ("label", "source", "engine", "voice", "speaker", "text_id", "channel", "noise"):
            assert excerpt[field] == source[field], field
        assert audio_corpus.MIN_CLIP_SECONDS <= float(excerpt["seconds"]) <= audio_corpus.EXCERPT_SECONDS[1]
        assert float(excerpt["seconds"]) <= float(source["seconds"])


@pytest.mark.parametrize("share", [{"vocoded_share": 1.5}, {"excerpt_share": -0.1}])
def test_a_share_out_of_range_is_a_clear_error(tmp_path, share):
    with pytest.raises(audio_corpus.AudioCorpusError, match="between 0 and 1"):
        audio_corpus.build_audio_corpus(tmp_path, REPO / "data" / "templates", tmp_path / "out", log=lambda _: None,
                                        **share)
