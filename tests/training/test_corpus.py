"""Corpus build: readers, dedup, group-aware splits, byte-identical output, datasheet counts.

The fixture corpora are written here in the MANIFEST shapes, so most tests need no shared data;
the tests on the real corpora skip with a reason when `shared/corpora` is absent.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from training.corpus import SCHEMA, build_corpus, project_extras, report_path_for, text_key
from training.datasheet import counts_section, render_counts, update_datasheet
from training.sources import CorpusError, SkippedRecordWarning, detokenise, enron_ham_kind

pytestmark = pytest.mark.filterwarnings("ignore::training.sources.SkippedRecordWarning")

REPO = Path(__file__).parents[2]
REAL_CORPORA = Path(os.environ.get("SINCERE_CORPORA") or REPO.parent / "shared" / "corpora")

SA_SPAM_HTML = (
    "<html><body><p>Dear friend, we are pleased to offer you an <b>exclusive</b> chance to earn "
    "money from home with our proven system, no experience needed, thousands of satisfied members "
    "already enjoy a second income every single month, and you can too if you act now!</p></body></html>"
)


def _enron(id_: str, subject: str, body: str) -> dict:
    folder, label, name = id_.split("/")
    return {"id": id_, "source": "enron_spam", "folder": folder, "owner": name.split(".")[2], "label": label,
            "date": name.split(".")[1], "subject": subject, "body": body}


def _sa(id_: str, group: str, headers: str, body: str) -> dict:
    raw = f"From sender@example.com  Thu Aug 22 12:00:00 2002\n{headers}\n\n{body}"
    return {"id": id_, "source": "spamassassin", "group": group, "raw": raw, "encoding": "utf-8"}


def _write(path: Path, lines: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for line in lines:
            fh.write((line if isinstance(line, str) else json.dumps(line)) + "\n")


@pytest.fixture()
def corpora(tmp_path: Path) -> Path:
    root = tmp_path / "corpora"
    shared_memo = ("all enron employees : the building will be closed on friday .", "memo from office of the chair")
    _write(root / "text/enron_spam.jsonl.gz", [
        _enron("enron1/ham/0001.1999-12-10.farmer.ham", "vastar resources , inc .",
               "gary , production from the high island larger block a - 1 # 2 commenced on saturday ."),
        _enron("enron1/ham/0002.1999-12-11.farmer.ham", "re : meter 1428",
               "daren , i ' ll check the volumes and call you at 3 : 30 ."),
        _enron("enron1/ham/0006.1999-12-15.farmer.ham", "hpl nom", "please set up the deal for nov 00 ."),
        _enron("enron1/ham/0003.1999-12-12.farmer.ham", "woodworking tips",
               "this week ' s tip . . . to unsubscribe click the link below ."),
        _enron("enron1/ham/0004.1999-12-13.farmer.ham", shared_memo[1], shared_memo[0]),
        '{"id": "enron1/ham/0005.1999-12-14.farmer.ham", "source": "enron_spam", "label": ',
        _enron("enron2/ham/0001.2000-01-10.kaminski.ham", "research group", "vince , the model is ready for review ."),
        _enron("enron2/ham/0002.2000-01-11.kaminski.ham", "re : offsite", "shirley , please book the room for us ."),
        _enron("enron3/ham/0001.2001-02-07.kitchen.ham", "eol", "louise , the numbers for eol look good ."),
        _enron("enron3/ham/0002.2001-02-08.kitchen.ham", shared_memo[1], shared_memo[0]),
        _enron("enron1/spam/0001.2004-01-01.GP.spam", "cheap meds 123", "buy cheap meds online now , best prices !"),
        _enron("enron1/spam/0002.2004-01-02.GP.spam", "cheap meds 456", "buy cheap meds today , discreet shipping !"),
        _enron("enron2/spam/0001.2002-01-01.SA_and_HP.spam", "earn money at home",
               "dear friend , we are pleased to offer you an exclusive chance to earn money from home with our "
               "proven system , no experience needed , thousands of satisfied members already enjoy a second "
               "income every single month , and you can too if you reply today , offer ends soon !"),
    ])
    _write(root / "text/spamassassin.jsonl.gz", [
        _sa("easy-ham-1/00001.aaa", "easy_ham",
            "From: Theo <felicity@kluge.net>\nTo: Justin Mason <jm@example.org>\nSubject: Re: taint warnings",
            "Hey, look at that! DROPPRIVS works for me.\n"),
        _sa("easy-ham-1/00002.bbb", "easy_ham",
            "From: kre@munnari.oz.au\nTo: exmh-workers@example.com\nSubject: Re: New Sequences Window\n"
            "List-Id: Discussion list for EXMH developers <exmh-workers.example.com>",
            "For me it is very repeatable.\n"),
        _sa("easy-ham-1/00003.ccc", "easy_ham",
            "From: boingboing <rssfeeds@example.org>\nTo: jm@example.org\nSubject: A new gadget",
            "URL: http://boingboing.net/#85534171\nA gadget that does things.\n"),
        _sa("hard-ham-1/00001.ddd", "hard_ham",
            "From: news@newsletter.online.com\nTo: jm@example.org\nSubject: This week online",
            "Top stories this week, read them all on our site.\n"),
        _sa("spam-2/00001.eee", "spam",
            "From: promo@cash.example\nTo: jm@example.org\nSubject: Earn money at home\n"
            "Content-Type: text/html; charset=us-ascii", SA_SPAM_HTML),
    ])
    _write(root / "text/sms_spam.jsonl.gz", [
        {"id": "sms-00001", "source": "sms_spam_collection", "label": "ham", "body": "Ok lar... Joking wif u oni..."},
        {"id": "sms-00002", "source": "sms_spam_collection", "label": "spam",
         "body": "WINNER!! You have won a 900 prize. Call 09061701461 now"},
        {"id": "sms-00003", "source": "sms_spam_collection", "label": "ham", "body": "I'll be home by 7, save me some"},
        {"id": "sms-00004", "source": "sms_spam_collection", "label": "ham"},
        {"id": "sms-00005", "source": "sms_spam_collection", "label": "ham", "body": "ok lar ... joking wif u oni"},
    ])
    _write(root / "text/public_outreach.jsonl.gz", [
        _outreach("a1", "acme/sales-kit", "Hi [First Name],\n\nI saw {{company}} is hiring. Worth a quick chat?\n\n[Your Name]"),
        _outreach("a2", "acme/sales-kit", "{{first_name}}, circling back on my note about {{company}}'s onboarding."),
        _outreach("b1", "ropensci/dev_guide", "Dear {{reviewer_name}},\n\nWould you review {{package}} for us by {{date}}?"),
        _outreach("c1", "pyOpenSci/software-peer-review", "Hi [Name], could you review [package name] this month?"),
        _outreach("d1", "zeta/recruit", "Hi {name}, your profile at {company} stood out. Open to a new role?"),
    ])
    (root / "text/public_outreach_stats.json").write_text(json.dumps({"splits": {
        "train": ["acme/sales-kit"], "validation": ["zeta/recruit"],
        "test": ["ropensci/dev_guide", "pyOpenSci/software-peer-review"]}}))
    _write(root / "text/public_personal.jsonl.gz", [
        {"id": "f1", "repo": "x/foia", "channel": "email", "subject": None, "body": "Pls print the memo for tomorrow."},
        {"id": "f1", "repo": "x/foia", "channel": "email", "subject": None, "body": "And the second one, thanks."},
        {"id": "f2", "repo": "x/foia", "channel": "email", "subject": None, "body": "Can we talk at 4 about the trip?"},
    ])
    return root


def _outreach(id_: str, repo: str, body: str) -> dict:
    import re
    placeholders = list(dict.fromkeys(re.findall(r"\{\{[^}]+\}\}|\[[^\]]+\]|\{[^}]+\}", body)))
    return {"id": id_, "repo": repo, "commit": "0" * 40, "path": "t.md", "licence": "MIT", "family": "cold_email",
            "channel": "email", "author": "human", "subject": None, "body": body, "placeholders": placeholders}


def _smile(n: int, template: str) -> dict:
    return {"id": f"{template}-{n:02d}", "channel": "email", "subject": "Quick question",
            "body": f"Hi Sam{n}, loved your post about growth at Acme{n}. Open to a call about {template}?",
            "recipient": {"name": f"Sam{n} Lee", "first_name": f"Sam{n}", "company": f"Acme{n}"},
            "sender": {"name": "Pat Seller", "email": "pat@seller.io"}, "thread": None,
            "label": "smile", "kind": "cold_email", "source": "sincere-templates", "group": template,
            "licence": "Apache-2.0", "family": "cold_sales_email", "template_id": template, "merge_failure": None}


def _build(corpora: Path, out: Path, **kwargs):
    with pytest.warns(SkippedRecordWarning):
        return build_corpus(corpora, out, **kwargs)


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def _assert_no_leakage(rows: list[dict]) -> None:
    for column in ("group", "key"):
        seen: dict[str, str] = {}
        for row in rows:
            value = text_key(row) if column == "key" else row["group"]
            assert seen.setdefault(value, row["split"]) == row["split"], f"{column} {value!r} is in two splits"


def test_two_builds_are_byte_identical(corpora: Path, tmp_path: Path) -> None:
    extras = [_smile(i, "cold-01") for i in range(3)]
    first = _build(corpora, tmp_path / "a" / "corpus.parquet", extra_records=extras)
    second = _build(corpora, tmp_path / "b" / "corpus.parquet", extra_records=list(reversed(extras)))
    assert first.out.read_bytes() == second.out.read_bytes()
    assert first.report_path.read_bytes() == second.report_path.read_bytes()
    assert pq.read_schema(first.out).remove_metadata() == SCHEMA


def test_records_are_labelled_and_shaped(corpora: Path, tmp_path: Path) -> None:
    report = _build(corpora, tmp_path / "corpus.parquet")
    rows = {row["id"]: row for row in _rows(report.out)}
    assert [row["id"] for row in _rows(report.out)] == sorted(rows)
    farmer = rows["enron1/ham/0001.1999-12-10.farmer.ham"]
    assert (farmer["label"], farmer["kind"], farmer["group"]) == ("personal", "direct", "enron:farmer")
    assert farmer["subject"] == "vastar resources, inc."
    assert farmer["recipient"]["email"] == "daren.farmer@enron.com" and farmer["raw"] is None
    assert rows["enron1/ham/0002.1999-12-11.farmer.ham"]["kind"] == "reply"
    assert rows["enron1/ham/0003.1999-12-12.farmer.ham"]["label"] == "bulk"
    assert rows["easy-ham-1/00001.aaa"]["label"] == "personal"
    assert rows["easy-ham-1/00001.aaa"]["recipient"]["email"] == "jm@example.org"
    assert rows["easy-ham-1/00001.aaa"]["sender"]["email"] == "felicity@kluge.net"
    assert (rows["easy-ham-1/00002.bbb"]["kind"], rows["easy-ham-1/00002.bbb"]["group"]) == (
        "list_mail", "sa-list:exmh-workers.example.com")
    assert rows["easy-ham-1/00003.ccc"]["kind"] == "feed"
    assert rows["hard-ham-1/00001.ddd"]["label"] == "bulk"
    assert "<p>" not in rows["spam-2/00001.eee"]["body"]
    assert rows["sms-00002"]["channel"] == "sms" and rows["sms-00002"]["label"] == "spam"
    assert sum(report.counts["personal"]["sms"].values()) == 2


def test_no_group_or_text_in_two_splits(corpora: Path, tmp_path: Path) -> None:
    extras = [_smile(i, f"cold-{t:02d}") for t in range(6) for i in range(4)]
    report = _build(corpora, tmp_path / "corpus.parquet", extra_records=extras)
    rows = _rows(report.out)
    _assert_no_leakage(rows)
    owners = {row["group"]: row["split"] for row in rows if row["group"].startswith("enron:")}
    assert sorted(owners.values()) == ["test", "train", "val"], "one Enron mailbox per split"
    assert {row["split"] for row in rows if row["source"] == "sincere-templates"} == {"train", "val", "test"}


def test_bad_records_are_counted_and_warned(corpora: Path, tmp_path: Path) -> None:
    with pytest.warns(SkippedRecordWarning) as caught:
        report = build_corpus(corpora, tmp_path / "corpus.parquet")
    messages = [str(w.message) for w in caught]
    assert any("enron_spam.jsonl.gz:6" in m and "bad JSON" in m for m in messages)
    assert any("sms_spam.jsonl.gz:4" in m and "body" in m for m in messages)
    assert report.skipped["enron_spam"]["unreadable"] == 1
    assert report.skipped["sms_spam_collection"]["unreadable"] == 1
    assert report.skipped["spamassassin"]["unreadable"] == 0
    saved = json.loads(report_path_for(report.out).read_text())
    assert saved["skipped"] == report.skipped


def test_duplicates_are_dropped_and_counted(corpora: Path, tmp_path: Path) -> None:
    report = _build(corpora, tmp_path / "corpus.parquet")
    ids = {row["id"] for row in _rows(report.out)}
    assert "enron2/spam/0001.2002-01-01.SA_and_HP.spam" not in ids
    assert "spam-2/00001.eee" in ids
    assert report.dedup["enron2_spamassassin_overlap"] == {"enron_spam": 1}
    assert "enron3/ham/0002.2001-02-08.kitchen.ham" not in ids, "repeat of an enron1 memo"
    assert "sms-00005" not in ids, "repeat of sms-00001 after normalisation"
    assert report.dedup["exact_duplicate"] == {"enron_spam": 1, "sms_spam_collection": 1}


@pytest.mark.parametrize("remove", ["", "text", "text/sms_spam.jsonl.gz"])
def test_missing_input_names_the_path(corpora: Path, tmp_path: Path, remove: str) -> None:
    target = corpora / remove if remove else tmp_path / "nowhere"
    if remove.endswith(".gz"):
        target.unlink()
    elif remove:
        for child in target.iterdir():
            child.unlink()
        target.rmdir()
    with pytest.raises(CorpusError, match=str(target)):
        build_corpus(corpora if remove else target, tmp_path / "corpus.parquet")


def test_extra_records_with_unknown_keys_are_refused(corpora: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown keys"):
        build_corpus(corpora, tmp_path / "corpus.parquet", extra_records=[{**_smile(1, "t"), "note": "x"}])


def test_extras_are_optional(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "training.templates", None)
    monkeypatch.delattr("training.templates", raising=False)  # a sibling test may have imported it
    with pytest.warns(UserWarning, match="training.templates is not importable"):
        assert project_extras(tmp_path, tmp_path, 13) == []


def test_detokenise_restores_ordinary_spacing() -> None:
    assert detokenise("vastar resources , inc .") == "vastar resources, inc."
    assert (detokenise("jim ' s model , don ' t ( see file : hpl - nov . xls )")
            == "jim's model, don't (see file: hpl-nov.xls)")
    assert detokenise("$ 1 . 2 billion at 7 : 30 a . m . , 14 % up") == "$1.2 billion at 7:30 a.m., 14% up"
    assert detokenise("see http : / / www . cera . com / tos . html") == "see http://www.cera.com/tos.html"
    assert detokenise("mail royal _ b @ reliant . com\nnov 1 st") == "mail royal_b@reliant.com\nnov 1st"


def test_enron_reply_to_a_newsletter_is_personal() -> None:
    quoted = "thanks , will read it .\n- - - - - original message - - - - -\nfrom : news\nto unsubscribe reply stop"
    assert enron_ham_kind("re : weekly news", quoted) == ("personal", "reply")
    assert enron_ham_kind("weekly news", "to unsubscribe reply stop") == ("bulk", "newsletter")


def test_enron_mail_a_company_system_writes_is_bulk_but_a_note_about_log_ins_is_personal() -> None:
    """Approval requests, reviewer duty, equipment orders, log-in credentials and survey chasers
    are mail-merged by a system to whoever it lists; a colleague explaining a log-in is not."""
    system = [
        "you have received this email because the requester specified you as their manager . please click approval",
        "note : you will receive this message each time you are selected as a reviewer .",
        "- - - automatic notification system ( request # : ecth - 4 ) requested for : vince j kaminski",
        "to log on to pep , your user id & password are : user id : jfarmer password : welcome",
        "* immediate action required - do not delete * executive impact & influence program dear vince kaminski ,",
    ]
    for body in system:
        assert enron_ham_kind("feedback", body) == ("bulk", "notification"), body
    note = "to log in , use your nt login id as your userid and password . please call me should you need help ."
    assert enron_ham_kind("livelink access", note) == ("personal", "direct")
    answer = "kim , please find the list of employees of the origination team and their rankings ."
    assert enron_ham_kind("re : list of accomplishments - immediate action required", answer) == ("personal", "reply")


def test_datasheet_section_is_replaced(corpora: Path, tmp_path: Path) -> None:
    report = _build(corpora, tmp_path / "corpus.parquet").to_json()
    sheet = tmp_path / "DATASHEET.md"
    sheet.write_text("# Data\n\n<!-- counts:start -->\nold\n<!-- counts:end -->\n\n## After\n")
    update_datasheet(sheet, report)
    text = sheet.read_text()
    assert counts_section(text) == render_counts(report).strip()
    assert text.startswith("# Data\n") and text.endswith("## After\n")
    assert "| personal | email |" in text


def test_cli_build_and_stats(corpora: Path, tmp_path: Path) -> None:
    from training.cli import data_app

    out = tmp_path / "corpus.parquet"
    empty = tmp_path / "empty"
    empty.mkdir()
    runner = CliRunner()
    result = runner.invoke(data_app, ["build", "--corpora", str(corpora), "--out", str(out),
                                      "--templates", str(empty), "--personal", str(empty)])
    assert result.exit_code == 0, result.output
    assert "personal" in result.output and out.is_file()
    stats = runner.invoke(data_app, ["stats", str(out)])
    assert stats.exit_code == 0 and "spam" in stats.output
    missing = runner.invoke(data_app, ["build", "--corpora", str(tmp_path / "nope"), "--out", str(out)])
    assert missing.exit_code != 0 and str(tmp_path / "nope") in missing.output


# ---------------------------------------------------------------- the real corpora

real = pytest.mark.skipif(not REAL_CORPORA.is_dir(),
                          reason=f"real corpora not found at {REAL_CORPORA} (set SINCERE_CORPORA)")


@pytest.fixture(scope="session")
def real_build(tmp_path_factory: pytest.TempPathFactory):
    """Built as `sincere data build` builds by default, so the datasheet's counts must match it."""
    extras = project_extras(REPO / "data" / "templates", REPO / "data" / "personal", 13)
    out = tmp_path_factory.mktemp("real") / "corpus.parquet"
    return build_corpus(REAL_CORPORA, out, seed=13, extra_records=extras), extras


@real
def test_real_build_succeeds_without_leakage(real_build) -> None:
    report, _ = real_build
    rows = pq.read_table(report.out, columns=["id", "split", "group", "subject", "body", "label"]).to_pylist()
    assert report.rows == len(rows) > 20_000
    assert {"personal", "bulk", "spam"} <= {row["label"] for row in rows}
    assert all(n == 0 for by_reason in report.skipped.values() for n in (by_reason["unreadable"],))
    _assert_no_leakage(rows)


@real
def test_real_build_is_byte_identical(real_build, tmp_path: Path) -> None:
    report, extras = real_build
    again = build_corpus(REAL_CORPORA, tmp_path / "corpus.parquet", seed=13, extra_records=extras)
    assert again.out.read_bytes() == report.out.read_bytes()


@real
def test_datasheet_counts_match_the_build(real_build) -> None:
    report, _ = real_build
    sheet = (REPO / "data" / "DATASHEET.md").read_text(encoding="utf-8")
    assert counts_section(sheet) == render_counts(report.to_json()).strip(), (
        "data/DATASHEET.md is stale: run `sincere data build --corpora ../shared/corpora "
        "--out /tmp/corpus.parquet --datasheet data/DATASHEET.md`")


def test_public_outreach_is_filled_per_reader_and_split_by_repository(corpora: Path, tmp_path: Path) -> None:
    report = _build(corpora, tmp_path / "corpus.parquet")
    rows = [r for r in _rows(report.out) if r["source"] == "public_outreach"]
    assert len(rows) == 5 * 5 and {r["label"] for r in rows} == {"smile"}
    expected = {"acme/sales-kit": "train", "zeta/recruit": "val", "ropensci/dev_guide": "test",
                "pyOpenSci/software-peer-review": "test"}
    assert {r["repo"]: r["split"] for r in rows} == expected
    assert len({r["repo"] for r in rows if r["group"] == "repo:ropensci-review"}) == 2, "related repositories grouped"
    for template in {r["template_id"] for r in rows}:
        copies = [r for r in rows if r["template_id"] == template]
        assert len({r["recipient"]["first_name"] for r in copies}) > 1, "new recipients per copy"
    clean = [r for r in rows if r["merge_failure"] is None]
    assert all("[" not in r["body"] and "{" not in r["body"] for r in clean), "every placeholder filled"
    first = next(r for r in clean if r["template_id"] == "a1")
    assert first["body"].startswith(f"Hi {first['recipient']['first_name']},")
    assert first["recipient"]["company"] not in first["body"].split("\n")[-1], "[Your Name] is the sender's"
    foia = [r for r in _rows(report.out) if r["source"] == "public_personal"]
    assert len(foia) == 3 and {r["label"] for r in foia} == {"personal"}
    assert len({r["split"] for r in foia if r["group"] == "foia:f1"}) == 1


def test_a_repository_group_proposed_for_two_splits_is_refused(corpora: Path, tmp_path: Path) -> None:
    (corpora / "text/public_outreach_stats.json").write_text(json.dumps({"splits": {
        "train": ["acme/sales-kit", "ropensci/dev_guide"], "validation": ["zeta/recruit"],
        "test": ["pyOpenSci/software-peer-review"]}}))
    with pytest.raises(CorpusError, match="ropensci-review"):
        build_corpus(corpora, tmp_path / "corpus.parquet")


def test_some_spam_greets_its_reader_by_name() -> None:
    from training.corpus import NAMED_SPAM_SHARE, address_some_spam

    records = [{"id": f"s{i}", "label": "spam", "body": "You won a prize", "recipient": None} for i in range(400)]
    fills = {"first_names": ["Dana"], "last_names": ["Lee"]}
    named = address_some_spam(records, fills, 13)
    assert abs(named / 400 - NAMED_SPAM_SHARE) < 0.06
    greeted = [r for r in records if r["recipient"]]
    assert all(r["body"].endswith("Dana, You won a prize") and r["recipient"]["first_name"] == "Dana" for r in greeted)


@real
def test_real_build_splits_public_outreach_by_repository(real_build) -> None:
    from training.public_outreach import proposed_splits, repo_group

    report, _ = real_build
    rows = pq.read_table(report.out, columns=["source", "repo", "split", "label"]).to_pylist()
    outreach = [r for r in rows if r["source"] == "public_outreach"]
    assert len({r["repo"] for r in outreach}) == 52
    splits_of: dict[str, set] = {}
    for r in outreach:
        splits_of.setdefault(repo_group(r["repo"]), set()).add(r["split"])
    assert all(len(s) == 1 for s in splits_of.values()), "a repository (group) in two splits"
    proposed = proposed_splits(REAL_CORPORA)
    assert all(r["split"] == proposed[r["repo"]] for r in outreach)
    assert {r["split"] for r in outreach} == {"train", "val", "test"}
    assert sum(r["source"] == "public_personal" for r in rows) > 1000
