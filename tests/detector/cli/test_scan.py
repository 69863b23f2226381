"""`sincere scan` as a command: exit codes, the summary, and a clear message without the extra."""

from __future__ import annotations

import json
import sys

from batch_exports import mbox_entry, mbox_with_threads
from typer.testing import CliRunner

from detector.cli import app


def sincere(*args: str):
    return CliRunner().invoke(app, list(args))


def test_scan_writes_results_and_a_summary(tmp_path):
    mbox = mbox_with_threads(tmp_path, 5)
    with mbox.open("a") as out:
        out.write(mbox_entry(5, "\x00junk"))
    results = tmp_path / "r.jsonl"
    done = sincere("scan", str(mbox), "--out", str(results), "--me", "Dana Whitfield <dana@example.com>",
                   "--company", "Northwind Labs")
    assert done.exit_code == 1, done.output  # one error row
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    assert len(rows) == 6 and rows[-1]["verdict"] == "error"
    assert "inbox owner: Dana Whitfield" in done.stderr and "1 error rows" in done.stderr
    assert any(s["type"] == "company" for s in rows[1]["personalization"]["slots"])


def test_bad_arguments_exit_2(tmp_path):
    assert sincere("scan", str(tmp_path / "missing.mbox"), "--out", str(tmp_path / "r.jsonl")).exit_code == 2
    (tmp_path / "a.mbox").write_text("")
    done = sincere("scan", str(tmp_path / "a.mbox"), "--out", str(tmp_path / "r.xlsx"))
    assert done.exit_code == 2 and ".parquet, .csv, .jsonl" in done.stderr
    (tmp_path / "notes.txt").write_text("hello")
    done = sincere("scan", str(tmp_path / "notes.txt"), "--out", str(tmp_path / "r.jsonl"))
    assert done.exit_code == 2 and "--format" in done.stderr


def test_without_the_batch_extra_it_says_what_to_install(tmp_path, monkeypatch):
    (tmp_path / "a.mbox").write_text("")
    args = ("scan", str(tmp_path / "a.mbox"), "--out", str(tmp_path / "r.jsonl"))
    monkeypatch.setitem(sys.modules, "dask.distributed", None)
    done = sincere(*args, "--engine", "dask")
    assert done.exit_code == 2 and "pip install 'sincere[dask]'" in done.stderr
    monkeypatch.setitem(sys.modules, "pandas", None)
    done = sincere(*args)
    assert done.exit_code == 2 and "pip install 'sincere[batch]'" in done.stderr


def test_scan_loads_the_model_once(tmp_path, monkeypatch):
    """The shell checks the bundle by loading it and the scan scores with that same detector."""
    import shutil

    from detector.models.bundle import Bundle, default_bundle_path

    bundle = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), bundle)
    loads, load = [], Bundle.load
    monkeypatch.setattr(Bundle, "load", lambda path: loads.append(path) or load(path))
    done = sincere("scan", str(mbox_with_threads(tmp_path, 3)), "--out", str(tmp_path / "r.jsonl"),
                   "--model", str(bundle))
    assert done.exit_code == 0, done.output
    assert len(loads) == 1 and len((tmp_path / "r.jsonl").read_text().splitlines()) == 3
