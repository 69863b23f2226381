"""Fixtures the detector tests share."""

import shutil

import pytest

from detector.models.bundle import default_bundle_path


@pytest.fixture
def bundle_copy(tmp_path):
    """A writable copy of the shipped default bundle, for tests that load, select or break one."""
    target = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), target)
    return target
