"""A user's sender rules: the rules file, how a sender is named, and the engine applying them on its one path."""

from __future__ import annotations

import json

import pytest

from detector.engine import Detector
from detector.message import Person
from detector.sender_rules import ALLOW, DENY, SenderList, SenderRulesError, sender_identity

OUTREACH = {"id": "o", "channel": "email", "subject": "Quick question",
            "body": "Hi Dana, I came across your profile and loved your recent post. Open to a quick 15-minute chat next week?",
            "sender": {"name": "Sam Seller", "email": "sam@outreach.example"},
            "recipient": {"name": "Dana Whitfield", "first_name": "Dana"}}


@pytest.mark.parametrize(("sender", "identity"), [
    ({"email": " Sam@Outreach.Example "}, "email:sam@outreach.example"),
    ({"email": "", "profile_url": "https://www.linkedin.com/in/Ted/"}, "profile:https://www.linkedin.com/in/ted"),
    ({"name": "Sam"}, None),
    ("sam@outreach.example", None),
    (Person(email="sam@outreach.example", profile_url="https://x.example/sam"), "email:sam@outreach.example"),
])
def test_a_sender_is_named_by_address_else_profile_url(sender, identity):
    assert sender_identity(sender) == identity


def test_a_rules_file_matches_addresses_profiles_and_domains(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text("allow:\n  - Sam@Outreach.example\n  - https://www.linkedin.com/in/ted/\n  - friends.example\n"
                    "deny:\n  - '@outreach.example'\n  - pat@friends.example\n", encoding="utf-8")
    rules = SenderList.load(path)
    assert rules.rule_for("email:sam@outreach.example") == ALLOW  # the address's own rule beats its domain's
    assert rules.rule_for("email:lee@outreach.example") == DENY
    assert rules.rule_for("email:kim@friends.example") == ALLOW
    assert rules.rule_for("email:pat@friends.example") == DENY
    assert rules.rule_for("profile:https://www.linkedin.com/in/ted") == ALLOW
    assert rules.rule_for("email:kim@sub.friends.example") is None
    assert rules.rule_for("profile:friends.example") is None


def test_json_and_an_empty_file_are_read_too(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text('{"deny": ["sam@outreach.example"]}', encoding="utf-8")
    assert SenderList.load(path).rule_for("email:sam@outreach.example") == DENY
    path.write_text("", encoding="utf-8")
    assert SenderList.load(path) == SenderList()


@pytest.mark.parametrize(("content", "message"), [
    ("allow: [a@b.example\n", "not valid YAML or JSON at line"),
    ("- a@b.example\n", "must be a mapping"),
    ("allow: a@b.example\n", "'allow' must be a list"),
    ("deny: [3]\n", "'deny[0]' must be a non-empty string"),
    ("allow: ['  ']\n", "'allow[0]' must be a non-empty string"),
    ("allowed: [a@b.example]\n", "unknown key(s) allowed"),
    ("allow: [A@b.example]\ndeny: [a@B.example]\n", "email:a@b.example is both allowed and denied"),
])
def test_a_bad_rules_file_is_a_clear_error_naming_the_file(tmp_path, content, message):
    path = tmp_path / "rules.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SenderRulesError, match=str(path)) as caught:
        SenderList.load(path)
    assert message in str(caught.value)


def test_a_missing_rules_file_is_a_clear_error(tmp_path):
    with pytest.raises(SenderRulesError, match="cannot be read"):
        SenderList.load(tmp_path / "none.yaml")


def test_the_engine_applies_rules_by_the_parsed_sender_and_leaves_errors_alone():
    detector = Detector.open()
    raw = ("From: Sam Seller <SAM@outreach.example>\r\nTo: Dana <dana@example.com>\r\nSubject: Quick question\r\n\r\n"
           + OUTREACH["body"] + "\r\n")
    records = [OUTREACH, {"id": "raw", "channel": "email", "raw": raw}, {"id": "bad", "channel": "fax", "body": "x"},
               {**OUTREACH, "id": "nobody", "sender": None}]
    plain = list(detector.score_many(records))
    ruled = list(detector.score_many(records, sender_rules=SenderList.of(allow=["sam@outreach.example"])))
    assert [r["verdict"] for r in ruled] == ["personal", "personal", "error", plain[3]["verdict"]]
    assert [r["score"] for r in ruled] == [r["score"] for r in plain]
    assert ruled[0]["reasons"][0]["code"] == ruled[1]["reasons"][0]["code"] == "USER_ALLOWED_SENDER"
    assert ruled[0]["reasons"][1:] == plain[0]["reasons"]  # the model's reasons and evidence, unchanged
    assert ruled[2] == plain[2] and ruled[3] == plain[3]
    note = {**OUTREACH, "subject": "Lunch",
            "body": "Dana, the venue moved the keynote to 2pm, so we can still grab lunch at the noodle place you liked."}
    assert detector.score(note)["verdict"] == "personal"
    assert detector.score(note, sender_rules=SenderList.of(deny=["outreach.example"]))["verdict"] == "smile"


def test_a_bad_rules_file_stops_score_and_scan_with_one_line_and_exit_2(tmp_path):
    from typer.testing import CliRunner

    from detector.cli import app

    rules = tmp_path / "rules.yaml"
    rules.write_text("allow: sam@outreach.example\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "1", "channel": "sms", "body": "see you at six"}\n', encoding="utf-8")
    for args in (["score", str(source), "--rules", str(rules)],
                 ["scan", str(source), "--out", str(tmp_path / "out.jsonl"), "--rules", str(rules)]):
        done = CliRunner().invoke(app, args)
        assert done.exit_code == 2, done.output
        assert done.stderr.strip() == f"error: {rules}: 'allow' must be a list of senders"
    assert not (tmp_path / "out.jsonl").exists()


def test_the_pretty_view_shows_the_users_rule_that_set_the_verdict(tmp_path):
    from typer.testing import CliRunner

    from detector.cli import app

    rules = tmp_path / "rules.yaml"
    rules.write_text("allow: [sam@outreach.example]\n", encoding="utf-8")
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(OUTREACH) + "\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["score", str(source), "--pretty", "--rules", str(rules)], terminal_width=200)
    assert done.exit_code == 0, done.output
    assert "PERSONAL" in done.stdout and "USER_ALLOWED_SENDER" in done.stdout and "your rule" in done.stdout
