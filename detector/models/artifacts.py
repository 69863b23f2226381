"""Verified model artifacts: a folder of model files plus a manifest of sha256 sums, versions and kind.

Every model Sincere loads (text bundles and voice bundles) comes through `load_verified`: the
manifest is read (pinned where the folder is a shipped bundle), its structure checked by the
caller's rule, and every listed file hashed against it before any is read. Nothing is unpickled:
scikit-learn parts are read with skops (`load_skops`), accepting only the types a caller trusts.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import skops.io as sio

from detector.bundles import SHIPPED_MANIFEST_SHA256

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT_VERSION = 1


class BundleError(RuntimeError):
    """The bundle is missing, incomplete, altered or not one of ours."""


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks (model files are megabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_pinned(path: Path, expected: str) -> None:
    """Refuse a model file from a package whose sha256 is not the one pinned in code, before any
    library reads a byte of it."""
    actual = sha256_file(path)
    if actual != expected:
        raise BundleError(f"{path}: sha256 {actual[:12]}… is not the expected {expected[:12]}…; refusing to load it")


def load_verified(path: Path, what: str, check: Callable[[Path, dict[str, Any]], None]) -> dict[str, Any]:
    """The manifest of the artifact folder `path` once `check` accepts its structure (raising
    BundleError otherwise) and every file it lists matches its sha256: only then may files be read."""
    manifest = read_manifest(path, what)
    check(path, manifest)
    verify_files(path, manifest)
    return manifest


def read_manifest(path: Path, what: str = "model bundle") -> dict[str, Any]:
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


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists and matches its sha256 (a tampered file is refused before it is read)."""
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


def load_skops(model_path: Path, trusted_types: frozenset[str]) -> Any:
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


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Record sha256 of every file in the bundle folder (training calls this last)."""
    files = {f.name: sha256_file(f) for f in sorted(path.iterdir()) if f.is_file() and f.name != MANIFEST}
    body = {**manifest, "format": FORMAT_VERSION, "files": files}
    (path / MANIFEST).write_text(json.dumps(body, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def shipped_bundles_path() -> Path:
    """The folder of bundles installed with the package (package data, pinned in `detector.bundles`)."""
    return Path(str(resources.files("detector") / "bundles"))
