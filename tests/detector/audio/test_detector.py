"""The shipped voice bundle: loads verified, scores in [0, 1], and has no silence shortcut."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from detector.audio import SAMPLE_RATE, AudioError, SyntheticVoiceDetector, load_audio, synthetic_voice
from detector.audio.detector import default_voice_bundle_path
from detector.bundle import BundleError

DATA = Path(__file__).parent / "data"
CLIPS = sorted(DATA.glob("*.flac"))
LEAD = int(0.6 * SAMPLE_RATE)  # every test clip starts with 0.6 s of -60 dBFS noise


@pytest.fixture(scope="module")
def voice():
    return SyntheticVoiceDetector.load()


def test_scores_are_probabilities_and_separate_the_test_clips(voice):
    scores = {p.stem: voice.score(p) for p in CLIPS}
    assert all(0.0 <= s <= 1.0 for s in scores.values())
    human = [s for k, s in scores.items() if k.startswith("human")]
    synthetic = [s for k, s in scores.items() if k.startswith("synthetic")]
    assert np.mean(synthetic) > np.mean(human)


def _with_line_noise(x: np.ndarray, snr_db: float, seed: int) -> np.ndarray:
    """Noise over the whole clip, so the leading 'silence' is a noise floor and scores are not saturated."""
    noise = np.random.default_rng(seed).standard_normal(x.size).astype(np.float32)
    return x + noise * np.sqrt(np.mean(x[LEAD:] ** 2) / 10 ** (snr_db / 10))


def test_leading_silence_does_not_move_the_score(voice):
    """Adding or trimming 0.5 s of leading silence moves scores by < 0.1 on average (clean and noisy clips)."""
    moves = []
    for i, path in enumerate(CLIPS):
        for x in (load_audio(path), _with_line_noise(load_audio(path), 15.0, i)):
            base = voice.score(x, SAMPLE_RATE)
            half = SAMPLE_RATE // 2
            longer = np.concatenate([np.zeros(half, np.float32), x])
            longer_floor = np.concatenate([np.tile(x[:LEAD], 2)[:half], x])  # more of the clip's own floor
            shorter = x[half:]
            moves += [abs(voice.score(v, SAMPLE_RATE) - base) for v in (longer, longer_floor, shorter)]
    assert np.mean(moves) < 0.1


def test_path_array_and_module_function_agree(voice):
    path = CLIPS[0]
    x = load_audio(path)
    assert voice.score(path) == pytest.approx(voice.score(x, SAMPLE_RATE), abs=1e-6)
    assert synthetic_voice(path) == pytest.approx(voice.score(path), abs=1e-6)


def test_bad_input_is_an_audio_error_not_a_crash(voice, tmp_path):
    junk = tmp_path / "note.mp3"
    junk.write_text("not audio")
    with pytest.raises(AudioError):
        voice.score(junk)
    with pytest.raises(AudioError):
        voice.score(np.zeros(SAMPLE_RATE * 2, np.float32), SAMPLE_RATE)


def test_tampered_bundle_is_refused(tmp_path):
    bundle = tmp_path / "voice"
    shutil.copytree(default_voice_bundle_path(), bundle)
    with (bundle / "voice_model.skops").open("ab") as fh:
        fh.write(b"x")
    with pytest.raises(BundleError, match="sha256"):
        SyntheticVoiceDetector.load(bundle)


def test_text_bundle_is_not_a_voice_bundle(tmp_path):
    from detector.bundle import default_bundle_path

    with pytest.raises(BundleError, match="voice"):
        SyntheticVoiceDetector.load(default_bundle_path())


def test_manifest_names_the_feature_code(voice):
    manifest = json.loads((default_voice_bundle_path() / "manifest.json").read_text())
    assert manifest["kind"] == "sincere-voice-1" and manifest["feature_version"]
    assert voice.version.startswith("sincere-voice-")
