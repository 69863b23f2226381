"""The benchmark renderer and the peers' message synthesis, on fixtures (no timing, no daemons)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCHMARKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture()
def render(monkeypatch):
    return _load("render", monkeypatch)


@pytest.fixture()
def fragments(tmp_path: Path) -> Path:
    folder = tmp_path / "fragments"
    folder.mkdir()
    (folder / "engine_speed.json").write_text(json.dumps({
        "benchmark": "engine_speed", "title": "Text engine", "data": "3 messages",
        "tables": [{"caption": "Speed", "columns": ["measure", "result"], "rows": [["p50", "2.5 ms"]]}],
        "notes": ["one note"], "metrics": {"single_p50_ms": 2.5},
    }))
    (folder / "custom.json").write_text(json.dumps({"title": "Custom", "metrics": {"api": {"p99_ms": 12.25}}}))
    (folder / "broken.json").write_text("{not json")
    (folder / "status.tsv").write_text(
        "engine_speed\tok\t0\t12\t\n"
        "peers\tfailed\t1\t30\texit 1\n"
        "scan\tmissing\t\t\tbenchmarks/scan.py is not in this checkout\n"
        "api_load\tok\t0\t5\t\n")
    return folder


def test_every_benchmark_tried_is_reported_with_its_status(render, fragments, tmp_path):
    report, results = tmp_path / "BENCHMARKS.md", tmp_path / "results.json"
    render.render(fragments, report, results, load_at_start="1.00 0.50 0.20")
    data = json.loads(results.read_text())
    status = {row["name"]: (row["status"], row["reason"]) for row in data["run"]}
    assert status["engine_speed"] == ("ok", "")
    assert status["custom"][0] == "ok"  # a fragment without a status row still counts
    assert status["peers"] == ("failed", "exit 1")
    assert status["scan"] == ("missing", "benchmarks/scan.py is not in this checkout")
    assert status["api_load"] == ("failed", "finished without writing its fragment")
    assert status["broken"][0] == "failed" and "unreadable" in status["broken"][1]
    assert set(data["benchmarks"]) == {"engine_speed", "custom"}
    assert data["benchmarks"]["engine_speed"]["metrics"] == {"single_p50_ms": 2.5}
    assert data["machine"]["cores"] >= 1 and data["machine"]["python"]
    assert data["machine"]["load_average_at_start"] == "1.00 0.50 0.20"

    text = report.read_text()
    assert "| peers | failed | 30 s | exit 1 |" in text
    assert "| scan | missing |  | benchmarks/scan.py is not in this checkout |" in text
    assert "## Text engine" in text and "| p50 | 2.5 ms |" in text and "- one note" in text
    assert "## Custom" in text and "| api.p99_ms | 12.25 |" in text  # no tables: flattened metrics
    assert "Python " in text and " cores (" in text


def test_small_shares_keep_two_significant_digits(render):
    assert [render._cell(v) for v in (0.00078, 0.0, 0.25, 0.9922, 1234.56)] == ["0.00078", "0", "0.25", "0.992", "1,234.6"]


def test_synthesised_message_carries_the_record(monkeypatch):
    peers = _load("peers", monkeypatch)
    from detector.message import from_record

    record = {"id": "a1", "channel": "linkedin", "subject": "Quick question",
              "body": "Hi Dana — loved your talk on café logistics.",
              "sender": {"name": "Tyler Brooks"}, "recipient": {"name": "Dana Whitfield", "email": "dana@x.org"}}
    raw = peers.rfc822(record, now=0.0).decode("utf-8")
    message = from_record({"id": "a1", "channel": "email", "raw": raw})
    assert message.subject == "Quick question"
    assert "loved your talk on café logistics" in message.text
    assert message.recipient.name == "Dana Whitfield" and message.recipient.email == "dana@x.org"
    assert message.sender.name == "Tyler Brooks"


def test_peer_points_keep_their_order_in_the_metrics(monkeypatch):
    peers = _load("peers", monkeypatch)
    labels = ["smile"] * 3 + ["personal"] * 3
    points = [12.0, 6.5, 5.0, -1.0, 0.0, 4.9]  # any sign, beyond 0..1
    got = peers.accuracy(labels, points, points=True)
    assert got["roc_auc"] == 1.0 and got["recall_at_1pct_fpr"] == 1.0
    missing = peers.accuracy(labels, [None, 6.5, 5.0, -1.0, 0.0, 7.0], points=True)
    assert missing["unscored"] == 1 and missing["n_smile"] == 2
    assert missing["roc_auc"] == pytest.approx(4 / 6, abs=1e-4)
