"""Every command in the README's quickstart block runs as written."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parents[1]
README = (REPO / "README.md").read_text()
BLOCK = re.search(r"<!-- quickstart:start -->(.*?)<!-- quickstart:end -->", README, re.S).group(1)
COMMANDS = [line for line in BLOCK.splitlines() if line.strip() and not line.startswith(("#", "```"))]


def test_readme_has_the_two_commands_at_the_top():
    top = README.split("## Quickstart")[0]
    assert "sincere score data/samples/messages.jsonl" in top
    assert ".venv/bin/python -m pytest" in top
    assert ".venv/bin/python -m pytest" in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", COMMANDS)
def test_quickstart_command_runs(command, tmp_path):
    bin_dir = Path(sys.executable).parent
    if not (bin_dir / "sincere").exists():
        pytest.skip("the 'sincere' console script is not installed in this environment")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    shell = command.replace("results.jsonl", str(tmp_path / "results.jsonl"))
    done = subprocess.run(shell, shell=True, cwd=REPO, env=env, capture_output=True)
    assert done.returncode == 0, (shlex.split(command)[:2], done.stderr[-2000:])
    assert done.stdout or (tmp_path / "results.jsonl").exists()
