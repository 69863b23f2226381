"""The transformer text models a bundle can hold (loaded through `detector.models.kinds`); each has `classes_` and `predict_proba(texts)`
like the TF-IDF pipeline, so the engine and the policy treat every kind alike.

- `minilm_head`: frozen all-MiniLM-L6-v2 embeddings of the masked text → calibrated linear head.
- `minilm_finetune`: the encoder fine-tuned with a linear classification head (safetensors).
- `minilm_fused`: a logistic blend of the TF-IDF and MiniLM-head probabilities, fitted on validation.

Nothing here unpickles: sklearn parts are skops files read against an allowlist, torch parts
are safetensors (tensors only) plus JSON configs; torch is imported only when one is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from detector.models import minilm
from detector.models.artifacts import BundleError

ENCODER_CONFIG_FILE = "encoder_config.json"
CLASSIFIER_FILE = "classifier.safetensors"
CLASSIFIER_CONFIG_FILE = "classifier.json"
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")


class MiniLMHead:
    """Sentence embedding of the masked text, then a calibrated linear classifier (sklearn)."""

    def __init__(self, encoder: minilm.SentenceEncoder, head: Any):
        self.encoder, self.head = encoder, head
        self.classes_ = head.classes_

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities of the head over each text's embedding."""
        return self.head.predict_proba(self.encoder.embed(texts))


def fusion_features(*probabilities: np.ndarray) -> np.ndarray:
    """Log-probabilities of each member side by side: the stacker's input."""
    return np.hstack([np.log(np.clip(p, 1e-6, 1.0)) for p in probabilities])


class FusedModel:
    """TF-IDF (wording) and MiniLM (meaning) probabilities blended by a logistic stacker."""

    def __init__(self, members: Sequence[Any], stacker: Any):
        for member in members:
            if list(member.classes_) != list(stacker.classes_):
                raise BundleError("fused bundle: member models and the blend disagree on the classes")
        self.members, self.stacker = list(members), stacker
        self.classes_ = stacker.classes_

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """The stacker's probabilities over the members' log-probabilities."""
        return self.stacker.predict_proba(fusion_features(*(m.predict_proba(texts) for m in self.members)))


def build_classifier(torch: Any, transformers: Any, encoder_config: Any, n_classes: int) -> Any:
    """Encoder + mean pooling + dropout + linear layer; training and loading build the same module."""

    class SequenceClassifier(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = transformers.AutoModel.from_config(encoder_config)
            self.dropout = torch.nn.Dropout(getattr(encoder_config, "hidden_dropout_prob", 0.1))
            self.head = torch.nn.Linear(encoder_config.hidden_size, n_classes)

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            return self.head(self.dropout(minilm.mean_pool(torch, hidden, attention_mask)))

    return SequenceClassifier()


class FineTunedMiniLM:
    """The fine-tuned encoder and head; softmax of its logits over the training classes."""

    def __init__(self, module: Any, tokenizer: Any, classes: Sequence[str], max_length: int,
                 batch_size: int = minilm.BATCH_SIZE):
        self._torch, _ = minilm.require_torch()
        self.module, self.tokenizer = module.eval(), tokenizer
        self.classes_ = np.array(list(classes), dtype=object)
        self.max_length, self.batch_size = max_length, batch_size

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Softmax of the classifier's logits, in length-sorted batches, without gradients."""
        torch = self._torch
        out = np.zeros((len(texts), len(self.classes_)), dtype=np.float64)
        device = next(self.module.parameters()).device
        with torch.inference_mode():
            for index, encoded in minilm.batched(self.tokenizer, texts, self.batch_size, self.max_length):
                logits = self.module(**{k: v.to(device) for k, v in encoded.items()})
                out[index] = torch.softmax(logits.float(), dim=-1).cpu().numpy()
        return out


def save_finetuned(model: FineTunedMiniLM, out: Path) -> None:
    """classifier.safetensors + encoder_config.json + classifier.json + tokenizer files."""
    from safetensors.torch import save_file

    state = {k: v.detach().cpu().contiguous() for k, v in model.module.state_dict().items()}
    save_file(state, str(out / CLASSIFIER_FILE))
    (out / ENCODER_CONFIG_FILE).write_text(model.module.encoder.config.to_json_string(), encoding="utf-8")
    info = {"classes": [str(c) for c in model.classes_], "max_length": model.max_length, "pooling": "mean"}
    (out / CLASSIFIER_CONFIG_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    saved = model.tokenizer.save_pretrained(str(out))
    for name in {Path(p).name for p in saved} - set(TOKENIZER_FILES):
        (out / name).unlink(missing_ok=True)  # only the fast tokenizer's two files are kept


def load_finetuned(path: Path, manifest: dict[str, Any]) -> FineTunedMiniLM:
    """A verified fine-tuned bundle's classifier: tensors from safetensors, configs from JSON (no pickle)."""
    torch, transformers = minilm.require_torch()
    from safetensors.torch import load_file

    minilm.set_threads(torch)
    try:
        info = json.loads((path / CLASSIFIER_CONFIG_FILE).read_text(encoding="utf-8"))
        encoder_config = transformers.AutoConfig.for_model(
            **json.loads((path / ENCODER_CONFIG_FILE).read_text(encoding="utf-8")))
        module = build_classifier(torch, transformers, encoder_config, len(info["classes"]))
        module.load_state_dict(load_file(str(path / CLASSIFIER_FILE)), strict=True)
        tokenizer = minilm.load_tokenizer(path)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise BundleError(f"{path}: not a readable fine-tuned MiniLM bundle ({type(exc).__name__}: {exc})") from None
    if _int8(manifest):
        module = minilm.quantize(torch, module)
    return FineTunedMiniLM(module, tokenizer, info["classes"], int(info["max_length"]))


def _int8(manifest: dict[str, Any]) -> bool:
    return bool(manifest.get("encoder", {}).get("int8", False))


def load_encoder(manifest: dict[str, Any]) -> minilm.SentenceEncoder:
    """The packaged all-MiniLM-L6-v2 with the settings the bundle was trained with (weights hash checked)."""
    settings = manifest.get("encoder", {})
    if settings.get("sha256", minilm.MODEL_SHA256) != minilm.MODEL_SHA256:
        raise BundleError("bundle was trained on different encoder weights than the installed all-MiniLM-L6-v2")
    return minilm.shared_encoder(int(settings.get("max_length", minilm.MAX_LENGTH)), bool(settings.get("int8", False)))
