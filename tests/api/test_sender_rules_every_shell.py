"""One user's sender rules give the same verdicts through every shell: `sincere score --rules`,
`sincere scan --rules` and the HTTP API's feedback; the score stays the model's everywhere."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from detector.cli import app
from detector.engine import Detector
from tests.api.conftest import SMILE

pytest.importorskip("pyarrow", reason="`sincere scan` needs the batch extra (pandas, pyarrow)")

FRIEND = {"id": "m2", "channel": "email", "subject": "Lunch",
          "body": "Dana, the venue moved the keynote to 2pm, so we can still grab lunch at the noodle place you liked.",
          "sender": {"name": "Ted", "email": "Ted@Friends.example"}, "recipient": SMILE["recipient"]}
STRANGER = {**SMILE, "id": "m3", "sender": {"name": "Pat", "email": "pat@else.example"}}
RECORDS = [SMILE, FRIEND, STRANGER]
RULES = {"allow": ["sam@outreach.example"], "deny": ["ted@friends.example"]}
EXPECTED = {"m1": ("personal", "USER_ALLOWED_SENDER"), "m2": ("smile", "USER_DENIED_SENDER")}


def _by_id(results) -> dict[str, tuple[str, float, str]]:
    return {r["id"]: (r["verdict"], r["score"], r["reasons"][0]["code"] if r["reasons"] else None) for r in results}


def test_the_same_rules_give_the_same_verdicts_in_score_scan_and_the_api(client, auth, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps(RULES), encoding="utf-8")  # JSON is YAML too; the CLI reads either

    scored = CliRunner().invoke(app, ["score", str(source), "--jsonl", "--rules", str(rules)])
    assert scored.exit_code == 0, scored.output
    from_score = _by_id(json.loads(line) for line in scored.stdout.splitlines())

    out = tmp_path / "scan.jsonl"
    scanned = CliRunner().invoke(app, ["scan", str(source), "--out", str(out), "--rules", str(rules)])
    assert scanned.exit_code == 0, scanned.output
    from_scan = _by_id(json.loads(line) for line in out.read_text(encoding="utf-8").splitlines())

    user = {**auth, "X-Sincere-User": "dana"}
    for rule, feedback in (("allow", "not_cold"), ("deny", "smile")):
        for sender in RULES[rule]:
            said = client.post("/v1/feedback", json={"sender": {"email": sender}, "feedback": feedback}, headers=user)
            assert said.status_code == 200 and said.json() == {"rule": rule}
    response = client.post("/v1/score/batch", json=RECORDS, headers=user)
    assert response.status_code == 200
    from_api = _by_id(response.json())

    assert from_score == from_scan == from_api
    without_rules = _by_id(Detector.open().score_many(RECORDS))
    for rid, (verdict, score, first) in from_score.items():
        assert score == without_rules[rid][1]  # a rule sets the verdict, never the score
        if rid in EXPECTED:
            assert (verdict, first) == EXPECTED[rid]
        else:
            assert (verdict, first) == (without_rules[rid][0], without_rules[rid][2])
    assert without_rules["m1"][0] == "smile" and without_rules["m2"][0] == "personal"  # the rules changed both
