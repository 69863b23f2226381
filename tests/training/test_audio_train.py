"""Voice training pieces that need no corpus: the EER, speaker folds, the engine-held-out protocol,
calibration and the operating threshold."""

import numpy as np
import pytest

from training.audio_train import (
    FOLDS,
    classifier,
    eer,
    engine_table,
    false_alarms,
    fit_calibration,
    held_out_logits,
    operating_threshold,
    pooled_logits,
    speaker_folds,
)


def test_eer_of_perfect_random_and_inverted_scores():
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    assert eer(labels, np.array([0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9])) == 0.0
    assert eer(labels, np.array([0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2, 0.1])) == 1.0
    assert eer(labels, np.array([0.1, 0.2, 0.7, 0.8, 0.15, 0.25, 0.75, 0.85])) == pytest.approx(0.5)
    assert np.isnan(eer(np.array([1, 1]), np.array([0.2, 0.3])))


def _toy():
    """Two engines, two human sources of five speakers each, two channels; one feature carries the label."""
    rows, feats, window_row = [], [], []
    rng = np.random.default_rng(0)
    sources = (("synthetic", ("espeak-ng", "kokoro")), ("human", ("librispeech_clean", "fsdd")))
    for label, names in sources:
        for source in names:
            for clip in range(10):
                for variant, channel in (("ulaw-clean", "ulaw"), ("pcm8k-clean", "pcm8k")):
                    rows.append({"label": label, "source": source, "engine": source if label == "synthetic" else "",
                                 "voice": f"{source}-v{clip % 2}" if label == "synthetic" else "",
                                 "speaker": f"{source}:{clip % 5}", "variant": variant, "channel": channel,
                                 "content": "digits"})
                    for _ in range(2):
                        x = rng.standard_normal(4)
                        x[0] += 3.0 if label == "synthetic" else -3.0
                        feats.append(x)
                        window_row.append(len(rows) - 1)
    return np.array(feats), np.array(window_row), rows


def test_speaker_folds_never_split_a_speaker_and_cover_every_source():
    _, _, rows = _toy()
    fold = speaker_folds(rows)
    by_speaker = {}
    for f, r in zip(fold, rows, strict=True):
        if r["label"] == "human":
            by_speaker.setdefault(r["speaker"], set()).add(int(f))
        else:
            assert f == -1
    assert all(len(folds) == 1 for folds in by_speaker.values())
    assert {f for folds in by_speaker.values() for f in folds} == set(range(FOLDS))


def test_every_clip_is_scored_by_models_that_never_met_its_engine_or_speaker(monkeypatch):
    X, window_row, rows = _toy()
    seen = []
    import training.audio_train as train

    real_clone = train.clone

    def recording_clone(estimator):
        model = real_clone(estimator)
        fit = model.fit

        def fit_and_record(Xf, yf):
            seen.append(len(Xf))
            return fit(Xf, yf)

        model.fit = fit_and_record
        return model

    monkeypatch.setattr(train, "clone", recording_clone)
    held = held_out_logits(classifier(), X, window_row, rows, log=lambda _: None)
    assert set(held) == {"espeak-ng", "kokoro"} and len(seen) == 2 * FOLDS
    label = np.array([r["label"] == "synthetic" for r in rows])
    for engine, scores in held.items():
        assert np.isfinite(scores["human"][~label]).all()  # every human row scored once per held-out engine
        mine = np.array([r["engine"] == engine for r in rows])
        assert np.isfinite(scores["synthetic"][mine]).all() and np.isnan(scores["synthetic"][~mine]).all()
    fold = speaker_folds(rows)
    engine = np.array([r["engine"] for r in rows])
    expected = [int(((engine != held_engine) & (label | (fold != k)))[window_row].sum())
                for held_engine in sorted(held) for k in range(FOLDS)]
    assert seen == expected  # each model saw neither the held-out engine nor the held-out speakers
    table = engine_table(held, rows)
    assert table["worst"]["telephone"] == 0.0 and table["worst"]["compressed"] != table["worst"]["compressed"]
    assert set(table["voices"]) == {"espeak-ng-v0", "espeak-ng-v1", "kokoro-v0", "kokoro-v1"}
    logits = pooled_logits(held, rows)
    assert np.isfinite(logits).all()
    calibration = fit_calibration(logits, label.astype(int))
    assert calibration["slope"] > 0


def test_threshold_bounds_human_false_alarms_and_reports_them_per_cell():
    rng = np.random.default_rng(1)
    p = np.r_[rng.uniform(0, 0.6, 400), rng.uniform(0.5, 0.9, 20)]  # one noisy cell of 20 clips
    cells = np.r_[np.full(400, "librispeech_clean"), np.full(20, "osr_8k")]
    t = operating_threshold(p)
    assert t >= 0.5 and np.mean(p > t) <= 0.02
    assert np.mean(p > np.nextafter(t, 0)) > 0.02 or t == 0.5  # the lowest such threshold
    rows = [{"label": "human", "source": c, "channel": "ulaw", "engine": "", "content": "read"} for c in cells]
    for r in rows[:100]:
        r["content"] = "excerpt"  # short excerpts are a column of their own, whatever their channel
    rates = false_alarms(p, rows, t)
    assert rates["osr_8k"]["telephone"]["clips"] == 20
    assert rates["librispeech_clean"]["short"]["clips"] == 100 and rates["librispeech_clean"]["telephone"]["clips"] == 300
    assert rates["osr_8k"]["all"]["rate"] == pytest.approx(np.mean(p[400:] > t))


def _with_vocoded_copies():
    """The toy corpus plus a vocoded copy of every human clip (synthetic, the human clip's speaker)."""
    X, window_row, rows = _toy()
    feats, wrow = list(X), list(window_row)
    rng = np.random.default_rng(2)
    for r in [r for r in rows if r["label"] == "human"]:
        rows.append({**r, "label": "synthetic", "source": "vocoded-world", "engine": "vocoded-world",
                     "voice": "vocoded-world"})
        for _ in range(2):
            x = rng.standard_normal(4)
            x[0] += 3.0
            feats.append(x)
            wrow.append(len(rows) - 1)
    return np.array(feats), np.array(wrow), rows


def test_vocoded_copies_stay_in_their_speakers_fold_and_out_of_the_headline(monkeypatch):
    X, window_row, rows = _with_vocoded_copies()
    fold = speaker_folds(rows)
    human_fold = {r["speaker"]: f for f, r in zip(fold, rows, strict=True) if r["label"] == "human"}
    for f, r in zip(fold, rows, strict=True):
        if r["engine"] == "vocoded-world":
            assert f == human_fold[r["speaker"]]  # a copy of a voice is held out with that voice
        elif r["label"] == "synthetic":
            assert f == -1
    import training.audio_train as train

    fits = []
    real_clone = train.clone

    def recording_clone(estimator):
        model = real_clone(estimator)
        fit = model.fit
        model.fit = lambda Xf, yf: (fits.append(len(Xf)), fit(Xf, yf))[1]
        return model

    monkeypatch.setattr(train, "clone", recording_clone)
    held = held_out_logits(classifier(), X, window_row, rows, log=lambda _: None)
    assert set(held) == {"espeak-ng", "kokoro", "vocoded-world"}
    engine = np.array([r["engine"] for r in rows])
    expected = [int(((engine != e) & (fold != k))[window_row].sum()) for e in sorted(held) for k in range(FOLDS)]
    assert fits == expected  # no model trains on the held-out speakers, nor on copies of their voices
    copies = engine == "vocoded-world"
    assert np.isfinite(held["vocoded-world"]["synthetic"][copies]).all()
    table = engine_table(held, rows)
    assert "vocoded-world" in table["engines"]
    tts_engines = [table["engines"][e]["all"] for e in ("espeak-ng", "kokoro")]
    assert table["mean"]["all"] == pytest.approx(np.mean(tts_engines))  # headline over the TTS engines only
