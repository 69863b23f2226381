"""Model bundles: a folder of model files plus a manifest of sha256 sums, versions and the model kind.

Loading verifies every file against the manifest and unpickles nothing: scikit-learn parts are
read with skops, and only the explicitly allowed types are accepted; torch parts (transformer
kinds) are safetensors and JSON. A tampered or foreign file is refused before any of its code
could run. The manifest's `kind` says which text model the bundle holds (see KIND_FILES).
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import skops.io as sio
import yaml

from detector.bundles import SHIPPED_MANIFEST_SHA256
from detector.policy import Policy, PolicyError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
TEXT_MODEL_FILE = "text_model.skops"
POLICY_FILE = "policy.yaml"
FORMAT_VERSION = 1
TRUSTED_TYPES: frozenset[str] = frozenset({
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "detector.text_features.CharNgramHasher",
})
"""Types beyond skops' own scikit-learn/numpy/scipy defaults that a bundle may contain (the
calibrated MiniLM head's private scikit-learn parts and our n-gram hasher: parameters, no code)."""
KIND_FILES: dict[str, tuple[str, ...]] = {
    "text_tfidf": (TEXT_MODEL_FILE,),
    "minilm_head": ("minilm_head.skops",),
    "minilm_finetune": ("classifier.safetensors", "encoder_config.json", "classifier.json", "tokenizer.json"),
    "minilm_fused": (TEXT_MODEL_FILE, "minilm_head.skops", "fusion.skops"),
}
"""The model files each kind needs besides the policy; the transformer kinds need the `[transformer]` extra."""


class BundleError(RuntimeError):
    """The bundle is missing, incomplete, altered or not one of ours."""


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Bundle:
    path: Path
    manifest: dict[str, Any]
    text_model: Any
    policy: Policy

    @property
    def version(self) -> str:
        return f"{self.manifest['name']}-{self.manifest['version']}"

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self.text_model.classes_)

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        path = Path(path)
        manifest = read_manifest(path)
        verify_files(path, manifest)
        model = load_text_model(path, manifest)
        if not hasattr(model, "predict_proba") or "personal" not in getattr(model, "classes_", ()):
            raise BundleError(f"{path}: not a Sincere text model (needs predict_proba and a 'personal' class)")
        return cls(path=path, manifest=manifest, text_model=model, policy=load_policy(path / POLICY_FILE))


def load_policy(policy_path: Path) -> Policy:
    """The bundle's policy; YAML tags (which could build objects) and wrong values are refused."""
    try:
        return Policy.load(policy_path)
    except yaml.YAMLError as exc:
        problem = str(getattr(exc, "problem", None) or "not valid YAML")
        raise BundleError(f"{policy_path}: not a plain YAML policy ({problem})") from None
    except (PolicyError, TypeError, ValueError) as exc:
        raise BundleError(f"{policy_path}: {exc}") from None


def load_skops(model_path: Path, trusted_types: frozenset[str] = TRUSTED_TYPES) -> Any:
    """A skops file holding only skops' default types and `trusted_types`; anything else, or a file
    that is not a complete skops archive, is a BundleError."""
    try:
        untrusted = set(sio.get_untrusted_types(file=model_path)) - trusted_types
    except Exception as exc:  # noqa: BLE001 - a damaged archive fails in zipfile, json or skops itself
        raise BundleError(f"{model_path}: not a readable skops file ({type(exc).__name__})") from None
    if untrusted:
        raise BundleError(f"{model_path}: refusing untrusted types {sorted(untrusted)}")
    try:
        return sio.load(model_path, trusted=sorted(trusted_types))
    except Exception as exc:  # noqa: BLE001 - as above
        raise BundleError(f"{model_path}: not a readable skops file ({type(exc).__name__})") from None


def load_text_model(path: Path, manifest: dict[str, Any]) -> Any:
    """The bundle's text model by kind; transformer kinds import torch only here."""
    kind = bundle_kind(manifest)
    if kind == "text_tfidf":
        return load_skops(path / TEXT_MODEL_FILE)
    from detector import transformer_models as tm

    if kind == "minilm_head":
        return tm.load_head(path, manifest, load_skops)
    if kind == "minilm_fused":
        return tm.load_fused(path, manifest, load_skops)
    return tm.load_finetuned(path, manifest)


def bundle_kind(manifest: dict[str, Any]) -> str:
    return str(manifest.get("kind", "text_tfidf"))


def read_manifest_file(path: Path, what: str = "model bundle") -> dict[str, Any]:
    """The manifest of the bundle folder `path`: JSON, pinned where the folder is a shipped bundle
    (see `verify_shipped`), its file names plain names inside the folder."""
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        raise BundleError(f"{path}: no {MANIFEST}; not a {what}")
    data = manifest_path.read_bytes()
    verify_shipped(path, data)
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleError(f"{manifest_path}: not valid JSON ({exc.msg if hasattr(exc, 'msg') else exc})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BundleError(f"{manifest_path}: not a {what} manifest (no 'files' mapping)")
    unsafe = sorted(str(n) for n in manifest["files"] if not _plain_name(n))
    if unsafe:
        raise BundleError(f"{manifest_path}: file names must be plain names inside the bundle; refusing {unsafe[0]!r}")
    return manifest


def _plain_name(name: object) -> bool:
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name and "\\" not in name \
        and "\0" not in name and Path(name).name == name


def verify_shipped(path: Path, manifest_bytes: bytes) -> None:
    """A bundle folder shipped with Sincere must carry the manifest pinned in `detector.bundles`: the
    per-file sha256 sums then vouch for the files we shipped, not for whatever an edit re-hashed.
    Other folders (a user's own bundles) are checked for internal consistency only."""
    try:
        name = path.resolve().relative_to(shipped_bundles_path().resolve()).as_posix()
    except (OSError, ValueError):
        return
    pinned = SHIPPED_MANIFEST_SHA256.get(name)
    actual = hashlib.sha256(manifest_bytes).hexdigest()
    if pinned is None or actual != pinned:
        raise BundleError(f"{path / MANIFEST}: sha256 {actual[:12]}… is not the manifest shipped with this version of "
                          "Sincere; the shipped bundle was altered (reinstall sincere; after retraining it on purpose, "
                          "run python -m training.pin_bundles)")


def read_manifest(path: Path) -> dict[str, Any]:
    manifest = read_manifest_file(path)
    manifest_path = path / MANIFEST
    if manifest.get("format") != FORMAT_VERSION:
        raise BundleError(f"{manifest_path}: unknown bundle format {manifest.get('format')!r}")
    kind = bundle_kind(manifest)
    if kind not in KIND_FILES:
        raise BundleError(f"{manifest_path}: unknown model kind {kind!r}; known: {sorted(KIND_FILES)}")
    for required in (*KIND_FILES[kind], POLICY_FILE):
        if required not in manifest["files"]:
            raise BundleError(f"{manifest_path}: lists no {required}")
    return manifest


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    for name, expected in manifest["files"].items():
        file = path / name
        if not _plain_name(name) or not file.is_file():
            raise BundleError(f"{path}: file {name!r} listed in the manifest is missing")
        actual = sha256_file(file)
        if actual != expected:
            raise BundleError(f"{file}: sha256 {actual[:12]}… does not match the manifest ({str(expected)[:12]}…)")
    trained_with = manifest.get("packages", {}).get("scikit-learn")
    import sklearn

    if trained_with and trained_with.split(".")[:2] != sklearn.__version__.split(".")[:2]:
        log.warning("bundle %s was trained with scikit-learn %s, running %s", path, trained_with, sklearn.__version__)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Record sha256 of every file in the bundle folder (training calls this last)."""
    files = {f.name: sha256_file(f) for f in sorted(path.iterdir()) if f.is_file() and f.name != MANIFEST}
    body = {**manifest, "format": FORMAT_VERSION, "files": files}
    (path / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def shipped_bundles_path() -> Path:
    return Path(str(resources.files("detector") / "bundles"))


def default_bundle_path() -> Path:
    return shipped_bundles_path() / "default"
