"""How the cascade trainer picks its band and pool weight on validation."""

import numpy as np

from detector.models.cascade import log_linear_pool
from training.cascade_train import choose_band, choose_weight


def test_the_band_is_the_cheapest_that_agrees_with_the_pooled_model():
    # TF-IDF p(mass) spread evenly; the pooled model differs from TF-IDF only for rows with p in [0.4, 0.6].
    p_mass = np.linspace(0.0, 1.0, 1001)
    tfidf = np.stack([np.zeros_like(p_mass), 1.0 - p_mass, p_mass], axis=1)
    fused = tfidf.copy()
    flip = (p_mass >= 0.4) & (p_mass <= 0.6)
    fused[flip, 1], fused[flip, 2] = 1.0 - fused[flip, 1], 1.0 - fused[flip, 2]

    def decide(probs):
        return probs[:, 2] >= 0.5

    band = choose_band(p_mass, tfidf, fused, decide, min_agreement=0.99)
    low, high = band["band"]
    assert band["agreement"] >= 0.99 and low <= 0.4 + 0.1 and high >= 0.6 - 0.1
    assert band["share_sent"] < 0.4  # far from sending everything
    everything = choose_band(p_mass, tfidf, fused, decide, min_agreement=1.0)
    assert everything["agreement"] == 1.0 and everything["share_sent"] >= band["share_sent"]


def test_the_pool_never_goes_beyond_its_members_and_the_weight_prefers_the_better_model():
    rng = np.random.default_rng(0)
    smile = np.r_[np.ones(200, bool), np.zeros(800, bool)]
    good = np.clip(np.where(smile, 0.8, 0.2) + rng.normal(0, 0.1, 1000), 0.01, 0.99)
    noise = rng.uniform(0.01, 0.99, 1000)
    as_probs = lambda p_smile: np.stack([np.full(1000, 1e-3), 1.0 - p_smile, p_smile], axis=1)  # noqa: E731
    pooled = log_linear_pool(as_probs(good), as_probs(noise), 0.5)
    low, high = np.minimum(good, noise), np.maximum(good, noise)
    assert np.all(pooled[:, 2] >= low - 1e-3) and np.all(pooled[:, 2] <= high + 1e-3)
    np.testing.assert_allclose(pooled.sum(axis=1), 1.0)
    weight = choose_weight(as_probs(good), as_probs(noise), 1, smile, ~smile)
    assert weight["tfidf_weight"] >= 0.8


def test_repository_cv_folds_pool_only_the_band_and_keep_tfidf_elsewhere():
    from training.cascade_train import CascadeConfig, CascadeFolds
    from training.heldout import HashedTfidfFolds

    rng = np.random.default_rng(3)
    personal = [f"hey {w}, the hike on saturday was great, call me when you land" for w in ("dana", "tom", "lena")] * 20
    smile = [f"hi {w}, i came across your profile. we help companies like yours scale. worth a quick chat?"
             for w in ("dana", "tom", "lena")] * 20
    texts, labels = personal + smile, ["personal"] * 60 + ["smile"] * 60
    embeddings = rng.normal(size=(120, 8)) + np.where(np.array(labels)[:, None] == "smile", 1.0, -1.0)
    config = CascadeConfig(kind="cascade", name="t", version="0", word_features_log2=10, char_features_log2=10,
                           max_iter=100)
    train, score = np.arange(0, 120, 2), [np.arange(1, 120, 2)]
    y = [labels[i] for i in train]
    reference = HashedTfidfFolds(config, texts).fit_predict(train, y, score)[0]

    nothing_sent = CascadeFolds(config, texts, embeddings, band=(2.0, 2.0), tfidf_weight=0.5).fit_predict(train, y, score)[0]
    np.testing.assert_allclose(nothing_sent, reference)
    all_sent = CascadeFolds(config, texts, embeddings, band=(0.0, 1.0), tfidf_weight=0.0).fit_predict(train, y, score)[0]
    # weight 0: the MiniLM head alone decides every row; the embeddings separate the classes
    is_personal = np.array(labels)[score[0]] == "personal"
    assert all_sent[is_personal].min() > all_sent[~is_personal].max()
    assert not np.allclose(all_sent, reference)
