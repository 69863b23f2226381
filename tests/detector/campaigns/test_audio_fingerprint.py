"""Audio campaign fingerprints: offset-tolerant matching that a spliced name does not break, stored
in every campaign index beside text campaigns, as hashes only."""

from __future__ import annotations

import numpy as np
import pytest
import redis

from detector.campaigns.audio_fingerprint import (
    AUDIO_LINK_THRESHOLD,
    CHUNK,
    MIN_CHUNKS,
    audio_print,
    chromaprint,
    encode,
    is_audio,
    rep_keys,
    similarity,
)
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.campaigns.stores.redis import RedisCampaignStore
from detector.campaigns.stores.redis_layout import BAND_REFRESH_S
from detector.campaigns.stores.sqlite import SqliteCampaignStore
from tests.detector.voice_drops import OTHER_SCRIPT_ID, SCRIPT_ID, render, require_tools, script

RNG = np.random.default_rng(7)
BASE = RNG.integers(0, 2**32, size=160, dtype=np.uint32)
OTHER = RNG.integers(0, 2**32, size=150, dtype=np.uint32)


def noisy(hashes: np.ndarray, seed: int, bit_error: float = 0.06) -> np.ndarray:
    """A codec's damage: each bit flipped with probability `bit_error`."""
    rng = np.random.default_rng(seed)
    flips = rng.random((hashes.size, 32)) < bit_error
    return hashes ^ np.packbits(flips, axis=1, bitorder="little").view("<u4").reshape(-1)


def spliced(hashes: np.ndarray, name_items: int, seed: int) -> np.ndarray:
    """The same recording with a different name (of `name_items` hashes) spliced in after 1 s, and a
    leading pause of a different length, so everything after the name is shifted."""
    rng = np.random.default_rng(seed)
    pause = rng.integers(0, 2**32, size=int(rng.integers(0, 6)), dtype=np.uint32)
    name = rng.integers(0, 2**32, size=name_items, dtype=np.uint32)
    return noisy(np.concatenate([pause, hashes[:8], name, hashes[12:]]), seed)


def test_a_spliced_name_and_a_shift_keep_the_match():
    copies = [encode(spliced(BASE, n, seed)) for seed, n in enumerate((3, 4, 7, 11))]
    for a in copies:
        for b in copies:
            assert similarity(a, b) >= 0.8
    assert similarity(encode(BASE), copies[0]) == similarity(copies[0], encode(BASE))


def test_unrelated_short_and_silent_recordings_do_not_match():
    assert similarity(encode(BASE), encode(OTHER)) < 0.1
    short = BASE[: MIN_CHUNKS * CHUNK - 1]
    assert similarity(encode(short), encode(short)) == 0.0
    silence = np.full(100, 0x12345678, dtype=np.uint32)
    assert similarity(encode(silence), encode(silence)) == 0.0
    assert similarity(encode(BASE), np.arange(128, dtype=np.uint32)) == 0.0  # a text MinHash signature


def test_containment_is_not_a_copy():
    """A short clip found inside a long recording is not the same recording (similarity is taken both ways)."""
    assert similarity(encode(BASE[:40]), encode(BASE)) < AUDIO_LINK_THRESHOLD


def test_encoded_prints_are_told_apart_from_text_signatures():
    sig = encode(BASE)
    assert is_audio(sig) and not is_audio(np.arange(128, dtype=np.uint32))
    keys = rep_keys(sig)
    assert keys and len(keys) == len(set(keys)) and all(-(2**63) <= k < 2**63 for k in keys)
    assert set(rep_keys(encode(spliced(BASE, 4, 1)))) & set(keys)
    assert len(rep_keys(np.arange(128, dtype=np.uint32))) == 32  # text: its LSH bands


@pytest.fixture(params=["memory", "sqlite", "redis"])
def store(request, tmp_path):
    if request.param == "memory":
        yield MemoryCampaignStore()
    elif request.param == "sqlite":
        with SqliteCampaignStore(tmp_path / "campaigns.db") as sqlite_store:
            yield sqlite_store
    else:
        url = request.getfixturevalue("redis_url")
        redis.Redis.from_url(url).flushdb()
        yield RedisCampaignStore(url)


def test_copies_to_several_people_are_one_audio_campaign(store):
    prints = [audio_print(spliced(BASE, n, i), f"reader{i}@example.org", f"m{i}") for i, n in enumerate((3, 5, 8))]
    linked = store.link([*prints, audio_print(OTHER, "x@example.org", "o")])
    assert linked[3] is None
    assert [c.copies for c in linked[:3]] == [3, 3, 3]  # every copy reports the whole batch
    final = store.link(prints)  # adding the same recordings again counts nothing twice
    assert {c.id for c in final} == {final[0].id} and final[0].id.startswith("a")
    assert final[0].copies == 3 and final[0].recipients == 3 and final[0].signatures_differ


def test_a_prefilled_inbox_links_its_recordings(store):
    prints = [audio_print(spliced(BASE, n, i), f"reader{i}@example.org", f"m{i}") for i, n in enumerate((3, 5, 8))]
    store.prefill([*prints, None, audio_print(OTHER, "x@example.org", "o")])  # bulk paths (SQLite, Redis) too
    linked = store.link(prints)
    assert {c.id for c in linked} == {linked[0].id} and linked[0].copies == 3 and linked[0].recipients == 3
    assert store.link([audio_print(OTHER, "x@example.org", "o")]) == [None]


def test_audio_and_text_campaigns_live_in_one_index_without_mixing(store):
    from detector.campaigns.fingerprint import Fingerprint, signature

    words = tuple("thanks for your time i wanted to reach out about our new platform for teams like yours".split())
    texts = [Fingerprint(signature(words), words, frozenset(), (), f"r{i}", f"t{i}") for i in range(2)]
    audio = [audio_print(spliced(BASE, 4, i), f"r{i}", f"t{i}") for i in range(2)]
    text_links = store.link(texts)
    audio_links = store.link(audio)
    assert text_links[1] is not None and audio_links[1] is not None
    assert text_links[1].id != audio_links[1].id and text_links[1].copies == audio_links[1].copies == 2


def test_dropping_and_refreshing_audio_campaigns(tmp_path, redis_url):
    memory = MemoryCampaignStore(max_campaigns=1)
    memory.link([audio_print(BASE, "a", "1")])
    memory.link([audio_print(OTHER, "b", "2")])  # drops the first, with its audio lookup keys
    assert len(memory) == 1
    assert memory.link([audio_print(spliced(BASE, 4, 9), "c", "3")]) == [None]

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    shared = RedisCampaignStore(redis_url, ttl_s=60)
    joined = shared.link([audio_print(BASE, "a", "1"), audio_print(spliced(BASE, 4, 2), "b", "2")])
    shared._touch(joined[1].id, now=float(client.time()[0]) + BAND_REFRESH_S + 1)  # refreshes audio key expiry
    assert shared.link([audio_print(spliced(BASE, 6, 3), "c", "3")])[0].copies == 3


def test_the_sqlite_index_holds_hashes_not_names(tmp_path):
    path = tmp_path / "audio.db"
    with SqliteCampaignStore(path) as sqlite_store:
        sqlite_store.link([audio_print(spliced(BASE, 4, i), f"zq-reader-{i}@example.org", f"id-{i}")
                           for i in range(3)])
    data = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("audio.db-*"))
    assert b"zq-reader" not in data and b"id-1" not in data


def test_rendered_drops_match_across_names_and_channels_but_not_across_scripts(tmp_path):
    require_tools("flite", "fpcalc")
    from detector.audio import load_audio
    from training import telephone

    def hashes(text, seed, channel="ulaw"):
        return encode(chromaprint(load_audio(render(text, tmp_path / f"{seed}.wav", seed, channel))))

    dana, kevin = hashes(script(SCRIPT_ID, "Dana"), "d"), hashes(script(SCRIPT_ID, "Kevin"), "k")
    other = hashes(script(OTHER_SCRIPT_ID, "Dana"), "o")
    assert similarity(dana, kevin) >= 0.8
    assert similarity(dana, other) < 0.1 and similarity(kevin, other) < 0.1
    if telephone.missing_reason() is None:  # GSM needs sox with libsox-fmt-all
        assert similarity(dana, hashes(script(SCRIPT_ID, "Laura"), "l", channel="gsm")) >= 0.8
