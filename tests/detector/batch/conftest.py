"""Fixtures for the scan tests; helpers live in batch_exports.py (importable: this folder is on sys.path)."""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path

import pytest

try:
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
except ImportError:  # without the batch extra (pip install 'sincere[batch]') there is nothing to test here
    collect_ignore_glob = ["test_*.py"]
sys.path.insert(0, str(Path(__file__).parent))

from batch_exports import mbox_with_threads  # noqa: E402


@pytest.fixture
def write_mbox(tmp_path):
    return partial(mbox_with_threads, tmp_path)
