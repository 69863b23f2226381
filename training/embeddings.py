"""Sentence embeddings for training, cached on disk: embedding a corpus on two cores takes minutes,
and the head, the fused model and their re-runs all need the same vectors.

The cache is keyed by the encoder's weights, settings and the exact texts, so a changed corpus
or setting is never served stale vectors. It is meant for the public training corpus (a folder
under /tmp); inference never writes embeddings anywhere.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

CACHE_ENV = "SINCERE_EMBEDDING_CACHE"
CHUNK = 500


def _key(encoder, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(f"{encoder.fingerprint}|{encoder.max_length}|{encoder.int8}".encode())
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\x00")
    return digest.hexdigest()


def embed_cached(encoder, texts: Sequence[str], cache_dir: Path | None = None, log=print,
                 part: tuple[int, int] = (0, 1)) -> np.ndarray:
    """encoder.embed(texts), read from / written to `cache_dir` (or $SINCERE_EMBEDDING_CACHE) when set.

    Texts are cached in chunks of CHUNK, so an interrupted run resumes where it stopped and
    `part=(i, n)` lets n processes each fill every n-th chunk (their result is then partial).
    """
    folder = cache_dir or (Path(os.environ[CACHE_ENV]) if os.environ.get(CACHE_ENV) else None)
    if folder is None:
        return encoder.embed(texts)
    Path(folder).mkdir(parents=True, exist_ok=True)
    chunks, hits = [], 0
    for number, start in enumerate(range(0, len(texts), CHUNK)):
        chunk = texts[start : start + CHUNK]
        path = Path(folder) / f"{_key(encoder, chunk)}.npy"
        if path.is_file():
            chunks.append(np.load(path))
            hits += 1
        elif number % part[1] == part[0]:
            vectors = encoder.embed(chunk)
            np.save(path.with_suffix(".tmp.npy"), vectors)
            path.with_suffix(".tmp.npy").replace(path)
            chunks.append(vectors)
    log(f"embeddings of {len(texts)} texts: {hits} of {len(chunks)} chunks from the cache")
    vectors = np.vstack(chunks) if chunks else np.zeros((0, encoder.dimension), dtype=np.float32)
    if part == (0, 1):
        encoder.remember(texts, vectors)  # the bundle's own test scoring then reuses them
    return vectors


def subsample(frame: pd.DataFrame, limit: int, seed: int) -> pd.DataFrame:
    """At most `limit` rows, every label kept in proportion (0 or a larger limit: all rows)."""
    if limit <= 0 or len(frame) <= limit:
        return frame.reset_index(drop=True)
    share = limit / len(frame)
    parts = [group.sample(max(1, round(len(group) * share)), random_state=seed)
             for _, group in frame.groupby("label", sort=True)]
    return pd.concat(parts).sort_index().reset_index(drop=True)
