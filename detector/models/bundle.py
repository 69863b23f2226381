"""Text model bundles: a verified artifact folder (`detector.models.artifacts`) holding a text model
of one registered kind (`detector.models.kinds`) and the decision policy fitted with it.

Loading verifies every file against the manifest and unpickles nothing: scikit-learn parts are
read with skops, and only the explicitly allowed types are accepted; torch parts (transformer
kinds) are safetensors and JSON. A tampered or foreign file is refused before any of its code
could run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from detector.models.artifacts import FORMAT_VERSION, MANIFEST, BundleError, load_verified, read_manifest, shipped_bundles_path
from detector.models.kinds import KINDS, bundle_kind
from detector.policy import Policy, PolicyError

POLICY_FILE = "policy.yaml"
WHAT = "model bundle"


@dataclass(frozen=True)
class Bundle:
    """A loaded, verified text bundle: its manifest, text model and policy."""

    path: Path
    manifest: dict[str, Any]
    text_model: Any
    policy: Policy

    @property
    def version(self) -> str:
        """name-version, as results report it."""
        return f"{self.manifest['name']}-{self.manifest['version']}"

    @property
    def classes(self) -> tuple[str, ...]:
        """The text model's classes, in its probability columns' order."""
        return tuple(str(c) for c in self.text_model.classes_)

    @classmethod
    def load(cls, path: str | Path) -> Bundle:
        """Verify the folder and load its model by kind, then its policy; BundleError if anything is off."""
        path = Path(path)
        manifest = load_verified(path, WHAT, _check_manifest)
        model = KINDS[bundle_kind(manifest)].load(path, manifest)
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


def _check_manifest(path: Path, manifest: dict[str, Any]) -> None:
    manifest_path = path / MANIFEST
    if manifest.get("format") != FORMAT_VERSION:
        raise BundleError(f"{manifest_path}: unknown bundle format {manifest.get('format')!r}")
    kind = bundle_kind(manifest)
    if kind not in KINDS:
        raise BundleError(f"{manifest_path}: unknown model kind {kind!r}; known: {sorted(KINDS)}")
    for required in (*KINDS[kind].files, POLICY_FILE):
        if required not in manifest["files"]:
            raise BundleError(f"{manifest_path}: lists no {required}")


def read_bundle_manifest(path: Path) -> dict[str, Any]:
    """A text bundle's manifest, its structure checked but its files not hashed (for listing and clearing)."""
    manifest = read_manifest(path, WHAT)
    _check_manifest(path, manifest)
    return manifest


def verified_bundle_manifest(path: Path) -> dict[str, Any]:
    """A text bundle's manifest once every file matches it, without loading the model."""
    return load_verified(path, WHAT, _check_manifest)


def default_bundle_path() -> Path:
    """The shipped default text bundle."""
    return shipped_bundles_path() / "default"
