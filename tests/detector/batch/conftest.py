"""Fixtures for the scan tests; helpers live in batch_exports.py (importable: this folder is on sys.path)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

try:
    import pandas  # noqa: F401
    import pyarrow  # noqa: F401
except ImportError:  # without the batch extra (pip install 'sincere[batch]') there is nothing to test here
    collect_ignore_glob = ["test_*.py"]
sys.path.insert(0, str(Path(__file__).parent))

from batch_exports import OUTREACH, PERSONAL, email, mbox_entry  # noqa: E402


@pytest.fixture
def write_mbox(tmp_path):
    def write(n: int, name: str = "inbox.mbox") -> Path:
        path = tmp_path / name
        with path.open("w", encoding="utf-8") as out:
            for i in range(n):
                body = (OUTREACH if i % 2 else PERSONAL) + ("\nFrom here on, a line an mbox must escape." if i == 0 else "")
                gmail = f'X-GM-THRID: {9000 + i // 2}\nX-GM-LABELS: Inbox,"Work, clients"\n'
                out.write(mbox_entry(i, email(i, body.replace("\nFrom ", "\n>From "), headers=gmail)))
        return path

    return write
