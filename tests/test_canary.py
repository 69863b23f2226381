"""Canaries in every part of real-looking mail (body, a `charset=` in the body and in a garbled
Content-Type, a `[List-name]` subject, recipient, sender) never reach a log, stderr, an error row,
a state or index file or the report, in any shell: `sincere score`, the API (SQLite and Redis
campaign stores) and `sincere scan` with a persistent index, killed with SIGKILL once and resumed.

Results are the user's own output and carry text only where the contract puts it: evidence spans
and personalization slots (message text) and the `sender` column; the report's sender and campaign
tables show senders. Those places are taken out before looking; every other byte is searched.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.detector.campaigns.conftest import redis_url  # noqa: F401 - the loopback redis-server fixture
from tests.support import wait_for_checkpoint

REPO = Path(__file__).parents[1]
BODY, CHARSET, LIST, SUBJECT = "Quillfeather-body-5d1c", "Quillfeather-cs-5d1c", "Quillfeather-List-5d1c", "Quillfeather-subj-5d1c"
RECIPIENT, SENDER = "Quillfeather-rcpt-5d1c", "Quillfeather-sender-5d1c"
CANARIES = (BODY, CHARSET, LIST, SUBJECT, RECIPIENT, SENDER)
OWNER = "Owen Tester <owen@example.com>"
OUTREACH = ("Hi Dana,\n\nI came across Northwind Labs and was really impressed. We help teams like yours cut churn "
            "by 30% in 90 days. Would you be open to a quick 15-minute call next week?\n\nBest,\nAlex")


def mail(i: int) -> bytes:
    """One message with every canary; every third a template copy, some with a garbled charset header."""
    body = OUTREACH if i % 3 else f"Dana, lunch moved to noon; see the notes {i} from Ted."
    charset = f'3D"{CHARSET}"' if i % 5 == 0 else "utf-8"
    return (f"From: {SENDER} {i % 4} <s{i % 4}@vendor.example>\nTo: {RECIPIENT} <{RECIPIENT.lower()}@example.org>\n"
            f"Subject: [{LIST}] {SUBJECT} {i}\nDate: Mon, {1 + i % 28:02d} Jan 2024 10:00:00 +0000\n"
            f"Content-Type: text/plain; charset={charset}\n\n{body}\n\n{BODY}. <meta charset={CHARSET}> x\n").encode()


BROKEN = [
    b"From: a@example.com\nSubject: [" + LIST.encode() + b"]\n\n\x00\x01 binary " + BODY.encode() + b"\n",  # binary
    BODY.encode() + b" and charset=" + CHARSET.encode() + b" with no headers at all\n",  # no RFC 822 headers
]


def leaks(text: str) -> list[str]:
    return [canary for canary in CANARIES if canary.lower() in text.lower()]


def without_allowed_text(result: dict) -> dict:
    """A result without the places the contract puts message text and the sender."""
    result = dict(result)
    result.pop("sender", None)
    for key in ("reasons", "personalization"):
        value = result.get(key)
        if isinstance(value, str):
            value = json.loads(value)
        result[key] = json.loads(re.sub(r'"text": "(?:[^"\\]|\\.)*"', '"text": ""', json.dumps(value)))
    return result


def assert_results_clean(results: list[dict]) -> None:
    for result in results:
        assert leaks(json.dumps(without_allowed_text(result), ensure_ascii=False)) == [], result["id"]


def assert_files_clean(folder: Path, skip: tuple[Path, ...] = ()) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and path not in skip:
            assert leaks(path.read_bytes().decode("utf-8", "replace")) == [], path


def sincere(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from detector.cli import main; main()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)


def test_sincere_score(tmp_path):
    records = tmp_path / "in.jsonl"
    records.write_text("".join(json.dumps({"id": f"r{i}", "channel": "email", "raw": data.decode("utf-8", "replace")}) + "\n"
                               for i, data in enumerate([mail(1), mail(5), *BROKEN])))
    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(10))
    for source in (records, eml):
        out = tmp_path / f"{source.name}.out.jsonl"
        done = sincere("score", str(source), "--out", str(out))
        _, stderr = done.communicate(timeout=300)
        assert done.returncode in (0, 1) and leaks(stderr.decode()) == []
        results = [json.loads(line) for line in out.read_text().splitlines()]
        assert_results_clean(results)
    assert [r["verdict"] == "error" for r in results] == [False]


@pytest.fixture
def debug_logs(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    for name in ("sincere", "sincere.api", "fastapi", "starlette", "httpx"):
        logging.getLogger(name).setLevel(logging.DEBUG)

    def text() -> str:
        out, err = capfd.readouterr()
        return caplog.text + out + err

    return text


@pytest.mark.parametrize("store", ["sqlite", "redis"])
def test_api(tmp_path, store, request, debug_logs):
    pytest.importorskip("fastapi", reason="needs the api extra: pip install 'sincere[api]'")
    from fastapi.testclient import TestClient

    from api.app import create_app
    from tests.api.conftest import make_settings

    url = request.getfixturevalue("redis_url") if store == "redis" else None
    data_dir = tmp_path / "data"
    with TestClient(create_app(make_settings(data_dir, campaign_index_url=url))) as client:
        auth = {"X-API-Key": client.app.state.services.keys.create("canary")[1]}
        raw = [{"id": f"r{i}", "channel": "email", "raw": data.decode("utf-8", "replace")}
               for i, data in enumerate([mail(1), mail(4), mail(5), *BROKEN])]
        fields = {"id": "f", "channel": "email", "subject": f"[{LIST}] {SUBJECT}", "body": f"{OUTREACH}\n{BODY} charset={CHARSET}",
                  "sender": {"name": SENDER, "email": "s@vendor.example"},
                  "recipient": {"name": RECIPIENT, "email": f"{RECIPIENT.lower()}@example.org"}}
        answers = [client.post("/v1/score", json=record, headers=auth) for record in (*raw, fields)]
        refused = [a for a in answers if a.status_code == 422]
        results = [a.json() for a in answers if a.status_code == 200]
        results += client.post("/v1/score/batch", json=[*raw, fields], headers=auth).json()
    assert len(refused) == len(BROKEN) and all(leaks(a.text) == [] for a in refused)
    assert sum(r["verdict"] == "error" for r in results) == len(BROKEN)
    assert_results_clean(results)
    assert leaks(debug_logs()) == []
    assert_files_clean(data_dir)
    if store == "redis":
        import redis

        client = redis.Redis.from_url(url)
        for key in client.scan_iter():
            kind = client.type(key).decode()
            value = {"string": client.get, "hash": client.hgetall, "set": client.smembers, "list": lambda k: client.lrange(k, 0, -1),
                     "zset": lambda k: client.zrange(k, 0, -1)}[kind](key)
            assert leaks(repr(key) + repr(value)) == [], key


def test_sincere_scan_killed_and_resumed_with_a_persistent_index(tmp_path):
    n = 600
    mbox = tmp_path / "inbox.mbox"
    mbox.write_bytes(b"".join(b"From s%d@vendor.example Mon Jan 01 10:00:00 2024\n" % i + data + b"\n"
                              for i, data in enumerate([*(mail(i) for i in range(n)), *BROKEN])))
    out, report, index = tmp_path / "results.jsonl", tmp_path / "report.html", tmp_path / "index.sqlite3"
    state = tmp_path / "results.jsonl.scan" / "state.json"
    args = ("scan", str(mbox), "--out", str(out), "--report", str(report), "--me", OWNER,
            "--campaigns", f"sqlite:///{index}", "--checkpoint-every", "30")
    first = sincere(*args)
    if wait_for_checkpoint(first, state, 60, timeout=300)[0] >= 60:
        os.kill(first.pid, signal.SIGKILL)
    _, stderr = first.communicate()
    assert first.returncode == -signal.SIGKILL, "the scan should still be running when it is killed"
    assert leaks(stderr.decode()) == []
    assert leaks(state.read_text()) == [] and leaks(index.read_bytes().decode("utf-8", "replace")) == []

    second = sincere(*args, "--resume")
    _, stderr = second.communicate(timeout=600)
    assert second.returncode == 1, stderr.decode()[-2000:]  # the broken messages are error rows
    assert leaks(stderr.decode()) == []
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(results) == n + len(BROKEN)
    assert [r["error"] for r in results[n:]] == ["binary data, not an e-mail message", "no RFC 822 headers"]
    assert_results_clean(results)
    page = report.read_text(encoding="utf-8")
    page = re.sub(r'<section id="(?:campaigns|senders)">.*?</section>', "", page, flags=re.S)
    assert leaks(page) == []
    assert_files_clean(tmp_path, skip=(mbox, out, report))
