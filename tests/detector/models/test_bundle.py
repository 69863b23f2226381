import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from detector.bundles import SHIPPED_MANIFEST_SHA256
from detector.models.artifacts import BundleError, write_manifest
from detector.models.bundle import Bundle, default_bundle_path
from detector.models.kinds import TEXT_MODEL_FILE

REPO = Path(__file__).parents[3]


def sincere(*args):
    return subprocess.run([sys.executable, "-c", "from detector.cli import main; main()", *args],
                          capture_output=True, cwd=REPO)


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
    detector = Detector.open(fused)
    assert detector.bundle.manifest["kind"] == "minilm_fused"
    result = detector.score({"id": "f", "channel": "email", "body": "Dear [FIRST_NAME], we noticed you might be interested."})
    assert result["verdict"] == "smile" and result["model_version"].startswith("sincere-fused-")


def _rehash(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    write_manifest(bundle, {k: v for k, v in manifest.items() if k != "files"})


def _non_zip_model(bundle):
    (bundle / TEXT_MODEL_FILE).write_bytes(b"definitely not a zip archive\n" * 100)
    _rehash(bundle)


def _truncated_model(bundle):
    model = bundle / TEXT_MODEL_FILE
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    _rehash(bundle)


def _yaml_tag_policy(bundle):
    (bundle / "policy.yaml").write_text("version: !!python/object/apply:os.system ['echo owned']\nthreshold: 0.5\n")
    _rehash(bundle)


def _traversal_name(bundle):
    manifest = json.loads((bundle / "manifest.json").read_text())
    manifest["files"]["../../outside.txt"] = "0" * 64
    (bundle / "manifest.json").write_text(json.dumps(manifest))


BROKEN = {
    "non-zip skops": (_non_zip_model, "not a readable skops file"),
    "truncated skops": (_truncated_model, "not a readable skops file"),
    "YAML tag in policy": (_yaml_tag_policy, "not a plain YAML policy"),
    "path traversal in manifest": (_traversal_name, "plain names inside the bundle"),
}


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_but_rehashed_bundle_is_a_bundle_error(bundle_copy, name):
    breaks, message = BROKEN[name]
    breaks(bundle_copy)
    with pytest.raises(BundleError, match=message):
        Bundle.load(bundle_copy)


@pytest.mark.parametrize("name", BROKEN)
def test_score_with_a_broken_bundle_exits_2_with_one_line(bundle_copy, name):
    breaks, message = BROKEN[name]
    breaks(bundle_copy)
    done = sincere("score", "--text", "hello there", "--jsonl", "--model", str(bundle_copy))
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert "Traceback" not in stderr and message in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr


def test_scan_with_a_broken_bundle_exits_2_with_one_line(bundle_copy, tmp_path):
    _yaml_tag_policy(bundle_copy)
    inbox = tmp_path / "in.jsonl"
    inbox.write_text('{"id": "1", "channel": "email", "body": "hi"}\n')
    done = sincere("scan", str(inbox), "--out", str(tmp_path / "r.jsonl"), "--model", str(bundle_copy))
    stderr = done.stderr.decode()
    assert done.returncode == 2 and "Traceback" not in stderr and "not a plain YAML policy" in stderr, stderr


def test_the_shipped_manifests_match_their_pins():
    from training.pin_bundles import manifest_pins

    assert manifest_pins() == SHIPPED_MANIFEST_SHA256, "a shipped bundle changed: run python -m training.pin_bundles"


def test_an_edited_threshold_rehashed_into_a_shipped_manifest_is_refused(monkeypatch, tmp_path):
    """The shipped folder is copied to a stand-in package so the test edits nothing that ships."""
    import detector.models.artifacts as artifacts_module

    shipped = tmp_path / "detector" / "bundles"
    shutil.copytree(default_bundle_path(), shipped / "default")
    monkeypatch.setattr(artifacts_module, "shipped_bundles_path", lambda: shipped)
    Bundle.load(shipped / "default")  # an intact copy in the shipped place loads
    policy = shipped / "default" / "policy.yaml"
    policy.write_text(policy.read_text().replace("threshold:", "threshold: 0.99 #"))
    _rehash(shipped / "default")
    with pytest.raises(BundleError, match="not the manifest shipped"):
        Bundle.load(shipped / "default")


def test_a_users_own_rehashed_bundle_is_only_checked_for_consistency(bundle_copy):
    policy = bundle_copy / "policy.yaml"
    policy.write_text(policy.read_text().replace("threshold:", "threshold: 0.99 #"))
    _rehash(bundle_copy)
    assert Bundle.load(bundle_copy).policy.threshold == 0.99
