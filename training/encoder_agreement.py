"""How closely the int8 ONNX encoder (the default path's) reproduces the fp32 torch encoder (the
`[transformer]` extra's): cosine of their embeddings of the same masked corpus texts, and their speed.

    python -m training.encoder_agreement --data artifacts/corpus.parquet -n 1000 --tokenizer detector/bundles/default/tokenizer.json

Needs the `[transformer]` extra (torch) besides the base install; the figures go into the default
bundle's model card.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from detector.models import minilm
from detector.models.onnx_minilm import OnnxSentenceEncoder
from detector.signals import default_registry
from training.dataset import prepare_frame, read_table


def agreement(texts: list[str], tokenizer: Path, max_length: int) -> dict[str, Any]:
    """Cosine between the two encoders' embeddings of each text (mean, min, 1st percentile) and each
    encoder's time per text (batches of 32, memo off)."""
    onnx = OnnxSentenceEncoder(tokenizer, max_length=max_length, memo_size=0)
    torch_encoder = minilm.SentenceEncoder(max_length=max_length, memo_size=0)
    start = time.perf_counter()
    a = onnx.embed(texts)
    onnx_s = time.perf_counter() - start
    start = time.perf_counter()
    b = torch_encoder.embed(texts)
    torch_s = time.perf_counter() - start
    cosine = np.sum(a * b, axis=1)
    return {"texts": len(texts), "max_length": max_length, "cosine_mean": round(float(cosine.mean()), 4),
            "cosine_min": round(float(cosine.min()), 4), "cosine_p01": round(float(np.quantile(cosine, 0.01)), 4),
            "onnx_int8_ms_per_text": round(1000 * onnx_s / len(texts), 2),
            "torch_fp32_ms_per_text": round(1000 * torch_s / len(texts), 2)}


def main(argv: list[str] | None = None) -> None:
    """Print the agreement of the two encoders on a seeded sample of the corpus as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--tokenizer", type=Path, required=True)
    parser.add_argument("-n", type=int, default=1000)
    parser.add_argument("--max-length", type=int, default=64)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    frame = read_table(args.data)
    frame = frame.sample(min(args.n, len(frame)), random_state=args.seed).reset_index(drop=True)
    texts = prepare_frame(frame, default_registry()).texts
    print(json.dumps(agreement(texts, args.tokenizer, args.max_length), indent=2))


if __name__ == "__main__":
    main()
