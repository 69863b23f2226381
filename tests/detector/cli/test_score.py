import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).parents[3]
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


def test_a_mailbox_given_to_score_points_to_scan_in_one_line(tmp_path):
    mbox = tmp_path / "inbox"
    mbox.write_bytes(b"From a@b Sat Nov 14 10:00:00 2020\nFrom: a@b\nSubject: x\n\nhello\n" * 50)
    (tmp_path / "Maildir" / "cur").mkdir(parents=True)
    for path in (mbox, tmp_path / "Maildir"):
        done = sincere("score", str(path))
        lines = done.stderr.decode().strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and "sincere scan" in lines[0], done.stderr
        assert done.stdout == b""


def test_an_outlook_msg_file_gets_the_msgconvert_hint(tmp_path):
    msg = tmp_path / "note.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    done = sincere("score", str(msg))
    assert done.returncode == 2 and b"msgconvert" in done.stderr


def test_one_message_without_the_eml_name_is_scored_as_email(tmp_path):
    mail = tmp_path / "message.txt"
    mail.write_text("From: a@x.org\nTo: b@y.org\nSubject: hi\n\nSee you at the game on Sunday, I have the tickets.\n")
    done = sincere("score", str(mail), "--jsonl")
    assert done.returncode == 0 and json.loads(done.stdout)["verdict"] == "personal"


def test_pretty_shows_the_threshold_a_summary_and_no_zero_weight_reasons():
    done = sincere("score", str(SAMPLES), "--pretty")
    out = done.stdout.decode()
    results = [json.loads(line) for line in sincere("score", str(SAMPLES), "--jsonl").stdout.decode().splitlines()]
    counts = {v: sum(r["verdict"] == v for r in results) for v in ("personal", "smile", "bulk")}
    assert done.returncode == 0
    assert f"{len(results)} messages: {counts['personal']} personal, {counts['smile']} smile, {counts['bulk']} bulk" in out
    from detector.engine import Detector

    assert f"(threshold {Detector.open().bundle.policy.threshold:.2f})" in out
    zero = [r["code"] for result in results for r in result["reasons"] if r["weight"] == 0]
    shown = out.split()
    assert zero and not any(code in shown for code in set(zero) - {r["code"] for result in results
                                                                    for r in result["reasons"] if r["weight"]})


def test_pretty_shows_a_voicemails_transcript_and_synthetic_voice():
    from rich.console import Console

    from detector.cli.view import ResultView

    console = Console(record=True, width=120)
    view = ResultView(threshold=0.8, console=console)
    view.show({"id": "v1", "score": 0.91, "verdict": "smile", "reasons": [], "personalization": None,
               "campaign": None, "voice": {"synthetic": 0.87, "transcript": "Hi Dana, this is Sam", "campaign": None},
               "model_version": "m", "error": None})
    view.summary()
    text = console.export_text()
    assert "synthetic voice: 87%" in text and "transcript: Hi Dana, this is Sam" in text
    assert "1 message: 0 personal, 1 smile, 0 bulk" in text


def test_version_and_help_without_type_labels():
    done = sincere("--version")
    assert done.returncode == 0 and done.stdout.decode().startswith("sincere ")
    for args in (("--help",), ("score", "--help"), ("scan", "--help")):
        help_text = sincere(*args).stdout.decode()
        assert "<bool>" not in help_text and "<str>" not in help_text and "<path>" not in help_text, args


def test_a_missing_extra_is_one_line_naming_it(tmp_path):
    blocked = "import sys; sys.modules['pyarrow'] = None; from detector.cli import main; main()"
    done = subprocess.run([sys.executable, "-c", blocked, "data", "stats", str(tmp_path / "c.parquet")],
                          capture_output=True, cwd=REPO)
    assert done.returncode == 2
    assert done.stderr.decode().strip() == ("error: `sincere data stats` needs 'pyarrow' from the train extra: "
                                            "pip install 'sincere[train]'")
