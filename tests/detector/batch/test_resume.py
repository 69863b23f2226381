"""kill -9 in the middle of a scan, then --resume: every message exactly once, in order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support import wait_for_checkpoint

REPO = Path(__file__).parents[3]
N = 1500


def sincere(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from detector.cli import main; main()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)


def test_kill_9_then_resume_loses_and_duplicates_nothing(write_mbox, tmp_path):
    mbox = write_mbox(N)
    out = tmp_path / "results.jsonl"
    state = tmp_path / "results.jsonl.scan" / "state.json"
    args = ("scan", str(mbox), "--out", str(out), "--checkpoint-every", "100")
    first = sincere(*args)
    done_at_kill, _ = wait_for_checkpoint(first, state, 200, timeout=120)
    if done_at_kill >= 200:
        os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL, "the scan should still be running when it is killed"
    assert 200 <= done_at_kill < N
    assert not out.exists(), "the output appears only when the scan completes"

    second = sincere(*args, "--resume")
    _, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr.decode()[-2000:]
    assert b"resumed after" in stderr
    ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
    assert ids == [f"inbox.mbox#{i}" for i in range(N)]
    assert not state.parent.exists()
