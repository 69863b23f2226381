import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[2]
SAMPLES = REPO / "data" / "samples" / "messages.jsonl"


def sincere(*args, stdin=None):
    return subprocess.run([sys.executable, "-c", "from detector.cli import main; main()", *args],
                          input=stdin, capture_output=True, cwd=REPO)


def test_score_file_writes_one_result_per_line_in_order(tmp_path):
    out = tmp_path / "r.jsonl"
    done = sincere("score", str(SAMPLES), "--out", str(out))
    assert done.returncode == 0, done.stderr
    ids = [json.loads(line)["id"] for line in SAMPLES.read_text().splitlines()]
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ids


def test_bad_lines_are_reported_counted_and_exit_1():
    stdin = b'{"id": "a", "channel": "sms", "body": "hi mum"}\nnot json\n\xff\xfe\n{"id": "b", "channel": "fax", "body": "x"}\n'
    done = sincere("score", "-", "--jsonl", stdin=stdin)
    results = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert done.returncode == 1
    assert [r["verdict"] == "error" for r in results] == [False, True, True, True]
    assert "line 2" in results[1]["error"] and "line 3" in results[2]["error"]


def test_text_option_and_pretty_view():
    done = sincere("score", "--text", "Dear {{first_name}}, we noticed you might be interested", "--pretty")
    assert done.returncode == 0
    assert b"SMILE" in done.stdout and b"MERGE_TAG_LEFTOVER" in done.stdout


def test_eml_file(tmp_path):
    eml = tmp_path / "m.eml"
    eml.write_text("From: a@x.org\nTo: b@y.org\nSubject: hi\n\nSee you at the game on Sunday, I have the tickets.\n")
    done = sincere("score", str(eml), "--jsonl")
    assert done.returncode == 0 and json.loads(done.stdout)["id"] == "m.eml"


def test_missing_input_or_model_exit_2(tmp_path):
    assert sincere("score", str(tmp_path / "nope.jsonl")).returncode == 2
    done = sincere("score", str(SAMPLES), "--model", str(tmp_path))
    assert done.returncode == 2 and b"manifest" in done.stderr
