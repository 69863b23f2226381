import json
import shutil

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from detector.bundle import TEXT_MODEL_FILE, Bundle, BundleError, default_bundle_path, write_manifest


@pytest.fixture
def bundle_copy(tmp_path):
    target = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), target)
    return target


def test_default_bundle_loads_and_manifest_lists_versions_and_hashes():
    bundle = Bundle.load(default_bundle_path())
    manifest = bundle.manifest
    assert {"scikit-learn", "skops", "sincere", "python"} <= set(manifest["packages"])
    assert set(manifest["files"]) >= {"text_model.skops", "policy.yaml", "MODEL_CARD.md", "metrics.json"}
    assert len(manifest["training_data"]["sha256"]) == 64
    assert set(bundle.classes) == {"personal", "smile", "bulk"}


def test_default_bundle_is_small():
    size = sum(f.stat().st_size for f in default_bundle_path().iterdir())
    assert size < 30 * 1024 * 1024


def test_a_tampered_file_is_refused(bundle_copy):
    policy = bundle_copy / "policy.yaml"
    policy.write_text(policy.read_text().replace("threshold:", "threshold: 0.99 #"))
    with pytest.raises(BundleError, match="sha256"):
        Bundle.load(bundle_copy)


def test_a_missing_file_is_refused(bundle_copy):
    (bundle_copy / "policy.yaml").unlink()
    with pytest.raises(BundleError, match="missing"):
        Bundle.load(bundle_copy)


def test_a_folder_without_manifest_is_not_a_bundle(tmp_path):
    with pytest.raises(BundleError, match="manifest"):
        Bundle.load(tmp_path)


def test_a_foreign_model_with_untrusted_types_is_refused_even_with_matching_hashes(bundle_copy):
    sio.dump(FunctionTransformer(func=shutil.rmtree), bundle_copy / TEXT_MODEL_FILE)
    manifest = json.loads((bundle_copy / "manifest.json").read_text())
    write_manifest(bundle_copy, {k: v for k, v in manifest.items() if k != "files"})
    with pytest.raises(BundleError, match="untrusted"):
        Bundle.load(bundle_copy)


def test_the_shipped_fused_bundle_verifies_and_scores_through_the_transformer_path():
    pytest.importorskip("torch", reason="the fused bundle needs the [transformer] extra")
    from detector.engine import Detector

    fused = default_bundle_path().parent / "fused"
    detector = Detector.from_path(fused)
    assert detector.bundle.manifest["kind"] == "minilm_fused"
    result = detector.score({"id": "f", "channel": "email", "body": "Dear [FIRST_NAME], we noticed you might be interested."})
    assert result["verdict"] == "smile" and result["model_version"].startswith("sincere-fused-")
