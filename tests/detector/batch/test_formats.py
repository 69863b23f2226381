"""Every export format, scanned end to end: rows out = messages in, in order, with metadata."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from batch_exports import OUTREACH, OWNER, PERSONAL, email, write_jsonl

from detector.batch import readers
from detector.batch.owner import Owner
from detector.batch.readers import detect
from detector.batch.readers.base import Position
from detector.batch.scan import ScanOptions, scan


def run(path: Path, tmp_path: Path, suffix: str = ".jsonl", **options) -> tuple[list[dict], object]:
    out = tmp_path / f"results{suffix}"
    summary = scan(ScanOptions(path=path, out=out, **options))
    assert not (tmp_path / f"results{suffix}.scan").exists(), "checkpoint folder is removed after a full scan"
    if suffix == ".jsonl":
        return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()], summary
    frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_csv(out, keep_default_na=False)
    return frame.to_dict("records"), summary


def test_mbox_keeps_gmail_labels_thread_ids_and_unescapes_from_lines(write_mbox, tmp_path):
    rows, summary = run(write_mbox(6), tmp_path)
    assert [r["id"] for r in rows] == [f"inbox.mbox#{i}" for i in range(6)]
    assert summary.total == 6 and summary.fmt == "mbox" and summary.errors == 0
    assert rows[0]["labels"] == ["Inbox", "Work, clients"] and rows[3]["thread_id"] == "9001"
    assert rows[1]["sender"] == "Alex Sales <alex@vendor.example>" and rows[1]["sent_at"].startswith("2024-01-02")
    assert rows[1]["verdict"] == "smile" and rows[0]["verdict"] == "personal"
    assert summary.owner == Owner(name="Dana Whitfield", email="dana@example.com")
    # campaign linking covers the whole inbox: the first copy already counts the later ones
    assert [r["campaign"]["copies"] for r in rows[1::2]] == [3, 3, 3]
    assert len({r["campaign"]["id"] for r in rows[1::2]}) == 1
    # the owner feeds identity slots: "Dana" and "Northwind Labs" are seen as the reader's details
    slots = {s["type"] for s in rows[1]["personalization"]["slots"]}
    assert "first_name" in slots


def test_output_formats_carry_the_same_rows(write_mbox, tmp_path):
    mbox = write_mbox(4)
    jsonl, _ = run(mbox, tmp_path, ".jsonl")
    parquet, _ = run(mbox, tmp_path, ".parquet")
    table, _ = run(mbox, tmp_path, ".csv")
    assert [r["id"] for r in parquet] == [r["id"] for r in table] == [r["id"] for r in jsonl]
    assert [r["verdict"] for r in parquet] == [r["verdict"] for r in jsonl]
    assert json.loads(parquet[1]["reasons"]) == jsonl[1]["reasons"]  # nested fields are JSON text
    assert json.loads(table[1]["personalization"]) == jsonl[1]["personalization"]


def test_maildir_with_subfolders_and_flags(tmp_path):
    root = tmp_path / "Mail"
    for folder in ("", ".Clients"):
        for sub in ("cur", "new", "tmp"):
            (root / folder / sub).mkdir(parents=True, exist_ok=True)
    (root / "cur" / "1700000000.1.host:2,S").write_text(email(1, PERSONAL))
    (root / "new" / "1700000001.2.host").write_text(email(2))
    (root / ".Clients" / "cur" / "1700000002.3.host:2,RS").write_text(email(3))
    (root / "tmp" / "1700000003.4.host").write_text(email(4))  # still being delivered: not a message yet
    assert detect(root) == "maildir"
    rows, summary = run(root, tmp_path)
    assert summary.total == 3
    assert [r["id"] for r in rows] == [".Clients/cur/1700000002.3.host:2,RS", "cur/1700000000.1.host:2,S",
                                       "new/1700000001.2.host"]
    assert rows[0]["labels"] == ["Clients", "seen", "replied"] and rows[1]["labels"] == ["seen"]
    assert [r["verdict"] for r in rows] == ["smile", "personal", "smile"]


def test_eml_folder_and_outlook_msg(tmp_path):
    (tmp_path / "in" / "2024").mkdir(parents=True)
    (tmp_path / "in" / "a.eml").write_text(email(1, PERSONAL))
    (tmp_path / "in" / "2024" / "b.eml").write_text(email(2))
    (tmp_path / "in" / "c.msg").write_bytes(b"\xd0\xcf\x11\xe0 outlook compound file")
    rows, summary = run(tmp_path / "in", tmp_path, owner=Owner.parse(OWNER))
    assert [r["id"] for r in rows] == ["a.eml", "c.msg", "2024/b.eml"]
    assert [r["verdict"] for r in rows] == ["personal", "error", "smile"]
    assert "msgconvert" in rows[1]["error"] and summary.errors == 1


def test_linkedin_threads_show_what_the_owner_wrote(tmp_path):
    path = tmp_path / "messages.csv"
    columns = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "DATE", "SUBJECT",
               "CONTENT", "FOLDER"]
    rows = [  # newest first, as LinkedIn exports them
        ["c1", "", "Sam Lee", "https://www.linkedin.com/in/samlee", "Dana Whitfield", "2024-03-02 09:00:00 UTC", "",
         "Great, the Lisbon offsite notes are attached like you asked. See you Thursday!", "INBOX"],
        ["c1", "", "Dana Whitfield", "https://www.linkedin.com/in/dana", "Sam Lee", "2024-03-01 09:00:00 UTC", "",
         "Could you send me the Lisbon offsite notes before Thursday?", "INBOX"],
        ["c2", "", "Alex Sales", "https://www.linkedin.com/in/alex", "Dana Whitfield", "2024-02-01 09:00:00 UTC", "",
         OUTREACH, "INBOX"],
        ["c3", "", "Pat Recruiter", "", "Dana Whitfield", "2024-01-05 09:00:00 UTC", "Opportunity",
         "<p>Hi Dana, I noticed your profile and think you'd be a great fit for a role at our client.</p>", "INBOX"],
    ]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows(rows)
    assert detect(path) == "linkedin" and detect(tmp_path) == "linkedin"
    from detector.batch.readers import linkedin
    from detector.batch.readers.base import Position

    records = list(linkedin.read(path, Position(), "messages.csv"))
    assert records[0]["thread"] == [{"from_recipient": True, "body": rows[1][7]}]
    assert records[1]["thread"] == [] and records[3]["body_html"].startswith("<p>")
    results, summary = run(path, tmp_path)
    assert summary.total == 4 and summary.from_me == 1 and summary.owner.name == "Dana Whitfield"
    assert [r["id"] for r in results] == [f"messages.csv:{i}" for i in range(2, 6)]
    assert results[1]["from_me"] is True and results[0]["thread_id"] == "c1"
    assert results[0]["verdict"] == "personal" and results[2]["verdict"] == "smile"


def test_older_linkedin_export_without_conversation_ids(tmp_path):
    path = tmp_path / "messages.csv"
    path.write_text("From,To,Date,Subject,Content\nAlex Sales,Dana Whitfield,2019-05-01 10:00:00 UTC,,"
                    f"\"{OUTREACH}\"\n", encoding="utf-8")
    results, summary = run(path, tmp_path)
    assert summary.total == 1 and results[0]["verdict"] == "smile"


VOICEMAIL = """<!DOCTYPE html><html><head><title>Voicemail from Sam</title></head><body>
<div class="haudio"><span class="album">Voicemail from</span>
<a class="tel" href="tel:+15551234567"><span class="fn">{caller}</span></a>
<abbr class="published" title="2024-01-05T10:00:00.000-05:00">Jan 5, 2024</abbr>
<span class="description"><span class="full-text">{text}</span></span>
<audio controls="controls" src="{audio}"></audio></div></body></html>"""


def test_google_voice_takeout_voicemails(tmp_path):
    calls = tmp_path / "Takeout" / "Voice" / "Calls"
    calls.mkdir(parents=True)
    name = "+15551234567 - Voicemail - 2024-01-05T15_00_00Z"
    (calls / f"{name}.html").write_text(VOICEMAIL.format(
        caller="Sam", audio=f"{name}.mp3",
        text="hey dana its sam i found your blue scarf in my car after the concert ill drop it off tomorrow"))
    (calls / f"{name}.mp3").write_bytes(b"ID3 not really audio")
    (calls / "+15559876543 - Received - 2024-01-06T15_00_00Z.html").write_text("<html>a received call</html>")
    other = "+15550000000 - Voicemail - 2024-01-07T15_00_00Z"
    (calls / f"{other}.html").write_text(VOICEMAIL.format(caller="", audio="", text=""))
    assert detect(tmp_path / "Takeout") == "gvoice"
    rows, summary = run(tmp_path / "Takeout", tmp_path)
    assert summary.total == 2  # the received-call page is not a message
    assert [r["id"] for r in rows] == [f"Voice/Calls/{other}.html", f"Voice/Calls/{name}.html"]
    assert rows[0]["verdict"] == "error" and "neither a transcript nor an audio file" in rows[0]["error"]
    assert rows[1]["verdict"] == "personal" and rows[1]["sender"] == "Sam"
    assert rows[1]["sent_at"] == "2024-01-05T10:00:00.000-05:00"


def test_vtt_and_srt_captions(tmp_path):
    folder = tmp_path / "videos"
    folder.mkdir()
    (folder / "a.vtt").write_text("WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nhi dana i made this quick video just "
                                  "for you\n\n00:00:03.000 --> 00:00:08.000\nas you can see im on your website "
                                  "right now and noticed a few things we could improve\n")
    (folder / "b.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nhey dana, congrats on the new role!\n\n2\n"
                                  "00:00:02,000 --> 00:00:05,000\nlet's catch up over coffee like we said at "
                                  "Maya's wedding\n")
    (folder / "c.vtt").write_bytes(b"WEBVTT\n\n\xff\xfe\x00 not text")
    assert detect(folder) == "captions"
    rows, summary = run(folder, tmp_path, owner=Owner.parse(OWNER))
    assert [r["id"] for r in rows] == ["a.vtt", "b.srt", "c.vtt"]
    assert rows[0]["verdict"] == "smile"
    assert rows[1]["verdict"] in ("personal", "smile", "bulk")
    assert rows[2]["verdict"] == "error" and "not UTF-8" in rows[2]["error"]


@pytest.fixture
def contract_records():
    return [
        {"id": "r1", "channel": "email", "subject": "Quick question", "body": OUTREACH,
         "recipient": {"name": "Dana Whitfield", "first_name": "Dana", "company": "Northwind Labs"}},
        {"id": "r2", "channel": "sms", "body": "running 10 min late, save me a seat", "sender": {"name": "Sam"}},
        {"id": "r3", "channel": "fax", "body": "not a channel"},
    ]


def test_contract_jsonl(tmp_path, contract_records):
    path = write_jsonl(tmp_path / "in.jsonl", contract_records)
    with path.open("ab") as out:
        out.write(b"{not json\n")
    rows, summary = run(path, tmp_path)
    assert [r["id"] for r in rows] == ["r1", "r2", "r3", None]
    assert [r["verdict"] for r in rows][2:] == ["error", "error"] and "line 4" in rows[3]["error"]
    assert rows[0]["verdict"] == "smile" and rows[1]["sender"] == "Sam" and summary.errors == 2


def test_contract_csv(tmp_path, contract_records):
    path = tmp_path / "in.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, ["id", "channel", "subject", "body", "recipient", "sender"])
        writer.writeheader()
        for r in contract_records:
            writer.writerow({**r, **{k: json.dumps(r[k]) for k in ("recipient", "sender") if k in r}})
        writer.writerow({"id": "r4", "channel": "sms", "body": "hi", "recipient": "{broken"})
    assert detect(path) == "csv"
    rows, summary = run(path, tmp_path)
    assert [r["id"] for r in rows] == ["r1", "r2", "r3", "r4"]
    assert rows[0]["verdict"] == "smile" and "column 'recipient' is not valid JSON" in rows[3]["error"]


def test_contract_parquet(tmp_path, contract_records):
    path = tmp_path / "in.parquet"
    pd.DataFrame(contract_records).to_parquet(path)
    rows, summary = run(path, tmp_path, suffix=".parquet")
    assert [r["id"] for r in rows] == ["r1", "r2", "r3"]
    assert rows[0]["verdict"] == "smile" and rows[2]["verdict"] == "error" and summary.errors == 1


def test_unknown_format_is_refused(tmp_path):
    from detector.batch.readers import UnknownFormat

    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(UnknownFormat):
        detect(tmp_path / "notes.txt")
    assert os.listdir(tmp_path) == ["notes.txt"]


def _mbox_rows(path: Path) -> tuple[list[dict], list[str]]:
    position = Position()
    return list(readers.read("mbox", path, position)), position.notes


def _archive_message(i: int, *, headers: bool = True) -> str:
    head = (f"From: andy{i} at example.com (Andy {i})\nDate: Sat, 14 Nov 2009 10:0{i}:00 +0000\n"
            f"Subject: [Team-list] Item {i}\nMessage-ID: <{i}@lists.example.com>\n\n") if headers else ""
    return head + f"Message {i} of the archive.\n\n>From the minutes: nothing new.\n"


@pytest.mark.parametrize("separator", [
    "From andy{i} at example.com  Sat Nov 14 10:0{i}:00 2009",  # Mailman pipermail
    "From andy{i}@example.com Sat Nov 14 10:0{i}:00 2009",  # HyperKitty export (Python's mailbox)
    "From MAILER-DAEMON Sat Nov 14 10:0{i}:00 2009",  # mboxrd, Thunderbird
    "From - Sat Nov 14 10:0{i}:00 2009",  # Thunderbird local folders
    "From 17{i}@xxx Sat Nov 14 10:0{i}:00 +0000 2009",  # Gmail Takeout
])
def test_archive_separators_split_every_message_and_unquote_from_lines(tmp_path, separator):
    path = tmp_path / "archive.txt"
    path.write_text("".join(separator.format(i=i) + "\n" + _archive_message(i) + "\n" for i in range(4)))
    rows, notes = _mbox_rows(path)
    assert len(rows) == 4 and notes == []
    assert [r["id"] for r in rows] == [f"archive.txt#{i}" for i in range(4)]
    assert rows[2]["sent_at"].startswith("2009-11-14T10:02")
    assert b"\nFrom the minutes" in rows[3]["raw"] and b">From" not in rows[3]["raw"]  # mboxrd unquoting


def test_messages_lacking_headers_a_body_or_the_blank_line_stay_apart(tmp_path):
    path = tmp_path / "odd.mbox"
    path.write_text(
        "From a@example.com Mon Jan 01 10:00:00 2024\nFrom: a@example.com\nSubject: no body, no blank line\n"
        "From b@example.com Mon Jan 01 10:01:00 2024\n" + _archive_message(1, headers=False)
        + "From c@example.com Mon Jan 01 10:02:00 2024\nSubject: only a subject\n\nHi Dana, lunch at noon?\n")
    rows, notes = _mbox_rows(path)
    assert len(rows) == 3 and notes == []
    assert "sender" not in rows[1] and "sender" not in rows[2] and rows[0]["sender"] == {"email": "a@example.com"}


def test_content_length_keeps_an_unquoted_separator_inside_its_body(tmp_path):
    body = "Forwarded:\nFrom x@example.com Mon Jan 01 09:00:00 2024\nold text\n"
    path = tmp_path / "cl.mbox"
    path.write_text(f"From a@example.com Mon Jan 01 10:00:00 2024\nFrom: a@example.com\nContent-Length: {len(body)}\n\n"
                    f"{body}\nFrom b@example.com Mon Jan 01 10:01:00 2024\nFrom: b@example.com\n\nsecond\n")
    rows, notes = _mbox_rows(path)
    assert len(rows) == 2 and b"old text" in rows[0]["raw"]
    assert notes == ["cl.mbox: 3 lines begin with 'From ' but 2 messages were read "
                     "(separators need a date; other mail tools may split this file differently)"]


def test_a_scan_of_a_pipermail_archive_scores_every_message(tmp_path):
    path = tmp_path / "2009-November.txt"
    path.write_text("".join(f"From andy{i} at example.com  Sat Nov 14 10:0{i}:00 2009\n{_archive_message(i)}\n"
                            for i in range(4)))
    rows, summary = run(path, tmp_path, fmt="mbox")
    assert len(rows) == summary.total == 4 and summary.errors == 0 and summary.notes == []


def test_scan_and_score_read_the_same_mail_the_same_way(tmp_path):
    """One mail reader: a scan row's score is what `sincere score` gives the same file's bytes (before, a
    quoted-printable `<meta charset=3D"utf-8">` was scored by one and an 'unknown charset' error in the other)."""
    from detector.engine import Detector
    from detector.reading import eml_record

    html = ('<html><head><meta charset=3D"utf-8"></head><body><p>Hi Dana, I came across Northwind Labs =\n'
            "and loved it. Open to a quick 15-minute call next week?</p></body></html>\n")
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "qp.eml").write_text("From: Alex <alex@vendor.example>\nTo: Dana <dana@example.com>\nSubject: Hi\n"
                                   "Content-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                                   + html)
    (folder / "cut.eml").write_text("From: a@b.example\nSubject: cut\nContent-Type: multipart/mixed; boundary=\"B1\"\n\n"
                                    "--B1\nContent-Type: text/plain\n\n" + OUTREACH)
    rows, _ = run(folder, tmp_path)
    detector = Detector.open()
    for row in rows:
        alone = detector.score(eml_record(folder / row["id"]))
        assert row["error"] is None and (row["score"], row["verdict"]) == (alone["score"], alone["verdict"])
