"""Detector.open: the one way to get a detector, by selection, shipped name or folder, loaded once."""

import shutil

import pytest

from detector.engine import Detector
from detector.models.artifacts import BundleError
from detector.models.bundle import default_bundle_path
from detector.models.selection import MODEL_ENV, select_model

RECORD = {"id": "o", "channel": "email", "body": "Dear [FIRST_NAME], we noticed you might be interested."}


def test_none_the_name_and_the_folder_of_the_shipped_default_are_one_cached_detector():
    detector = Detector.open()
    assert Detector.open("default") is detector and Detector.open(default_bundle_path()) is detector
    assert detector.bundle.path == default_bundle_path().resolve()


def test_none_follows_the_environment_then_the_selection(bundle_copy, tmp_path, monkeypatch):
    select_model(bundle_copy)
    assert Detector.open().bundle.path == bundle_copy.resolve()
    other = tmp_path / "other"
    shutil.copytree(bundle_copy, other)
    monkeypatch.setenv(MODEL_ENV, str(other))
    assert Detector.open().bundle.path == other.resolve()


def test_a_folder_whose_files_changed_is_verified_again(bundle_copy):
    first = Detector.open(bundle_copy)
    assert Detector.open(bundle_copy) is first
    policy = bundle_copy / "policy.yaml"
    policy.write_text(policy.read_text() + "# edited\n")
    with pytest.raises(BundleError, match="does not match the manifest"):
        Detector.open(bundle_copy)


def test_a_missing_folder_is_a_bundle_error(tmp_path):
    with pytest.raises(BundleError, match="no manifest.json"):
        Detector.open(tmp_path / "nowhere")
