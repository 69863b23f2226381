"""The scan command's tests reuse the batch tests' export builders (tests/detector/batch/batch_exports.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "batch"))
