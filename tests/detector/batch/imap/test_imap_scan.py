"""`sincere scan imap://…` against a real Dovecot: all mail first, then only new mail; labels back
and undo; a renumbered folder; no message text in the state; clear errors."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from imap_mail import CANARY, inbox, newsletter, note, template
from imap_server import PASSWORD, USER, needs_dovecot
from typer.testing import CliRunner

from detector.cli import app

pytestmark = needs_dovecot

# inbox(): message i is a template (smile) when i % 7 in (0, 2, 4), a note (personal) when 1 or 5,
# a newsletter (bulk) when 3, no text (error) when 6; its UID is i + 1.
EXPECTED = {0: "smile", 1: "personal", 2: "smile", 3: "bulk", 4: "smile", 5: "personal", 6: "error"}


def expected(uids) -> dict[int, str]:
    return {uid: EXPECTED[(uid - 1) % 7] for uid in uids}


def scan(*args: str):
    return CliRunner().invoke(app, ["scan", *args], catch_exceptions=False)


def rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def uid(row: dict) -> int:
    return int(row["id"].rsplit("UID=", 1)[1])


def flags(server) -> dict[int, set]:
    client = server.client()
    try:
        client.select_folder("INBOX", readonly=True)
        return {u: set(f) for u, f in client.get_flags(client.search()).items()}
    finally:
        client.logout()


def test_first_scan_scores_all_then_a_second_only_the_new_mail(server, imap_env, tmp_path):
    before = flags(server)
    first = scan(server.url(), "--out", str(tmp_path / "first.jsonl"))
    assert first.exit_code == 1, first.output  # the message with no text is an error row
    results = rows(tmp_path / "first.jsonl")
    assert {uid(r): r["verdict"] for r in results} == expected(range(1, 13))
    assert [r["id"] for r in results] == [f"INBOX;UIDVALIDITY={r['id'].split('=')[1].split('/')[0]}/;UID={i}"
                                          for i, r in enumerate(results, 1)]
    assert [r["error"] for r in results if r["verdict"] == "error"] == [
        "the message has no text to score"]
    assert results[0]["labels"] == ["seen"] and results[1]["labels"] == ["seen", "replied"]
    assert flags(server) == before, "reading must not set \\Seen or change any flag"

    client = server.client()
    for make in (template, note, newsletter):
        client.append("INBOX", make(2000))
    client.logout()
    second = scan(server.url(), "--out", str(tmp_path / "second.jsonl"))
    assert second.exit_code == 0, second.output
    new = rows(tmp_path / "second.jsonl")
    assert [(uid(r), r["verdict"]) for r in new] == [(13, "smile"), (14, "personal"), (15, "bulk")]
    assert "3 new messages scored" in second.output
    # The campaign index is the account's: the new copy of the template links to the first run's copies.
    first_campaigns = {r["campaign"]["id"]: r["campaign"]["copies"] for r in results if r["campaign"]}
    assert new[0]["campaign"]["id"] in first_campaigns
    assert new[0]["campaign"]["copies"] == first_campaigns[new[0]["campaign"]["id"]] + 1

    third = scan(server.url(), "--out", str(tmp_path / "third.jsonl"))
    assert third.exit_code == 0 and rows(tmp_path / "third.jsonl") == []


def test_since_limits_a_first_run_and_the_next_run_starts_after_it(server, imap_env, tmp_path):
    result = scan(server.url(), "--out", str(tmp_path / "r.jsonl"), "--since", "2999-01-01")
    assert result.exit_code == 0, result.output
    assert rows(tmp_path / "r.jsonl") == []
    client = server.client()
    client.append("INBOX", note(3000))
    client.logout()
    scan(server.url(), "--out", str(tmp_path / "r2.jsonl"))
    assert [uid(r) for r in rows(tmp_path / "r2.jsonl")] == [13]


def _keywords(server, folder: str = "INBOX") -> dict[int, set[str]]:
    client = server.client()
    try:
        client.select_folder(folder, readonly=True)
        return {u: {f.decode() for f in fs if f.startswith(b"$")} for u, fs in client.get_flags(client.search()).items()}
    finally:
        client.logout()


def test_label_sets_keywords_another_client_sees_and_undo_removes_them(server, imap_env, tmp_path):
    client = server.client()
    client.select_folder("INBOX")
    client.add_flags([1], [b"$MyOwn"])  # the user's own keyword on a smile message: undo leaves it
    client.logout()
    seen_before = {u for u, f in flags(server).items() if b"\\Seen" in f}

    dry = scan(server.url(), "--out", str(tmp_path / "dry.jsonl"), "--label", "--dry-run")
    assert "would add $SincereSmile to 6 messages" in dry.output and "would add $SincereBulk to 2 messages" in dry.output
    assert _keywords(server) == {u: ({"$MyOwn"} if u == 1 else set()) for u in range(1, 13)}

    result = scan(server.url(), "--out", str(tmp_path / "r.jsonl"), "--label")
    assert result.exit_code == 1, result.output
    assert len(rows(tmp_path / "r.jsonl")) == 12, "the dry run remembered nothing: the real run scores all"
    keywords = _keywords(server)
    marks = {"smile": {"$SincereSmile"}, "bulk": {"$SincereBulk"}}
    assert keywords == {u: marks.get(v, set()) | ({"$MyOwn"} if u == 1 else set())
                        for u, v in expected(range(1, 13)).items()}
    assert {u for u, f in flags(server).items() if b"\\Seen" in f} == seen_before

    undo = CliRunner().invoke(app, ["imap", "undo", server.url()], catch_exceptions=False)
    assert undo.exit_code == 0, undo.output
    assert "keywords removed: 8" in undo.output
    assert _keywords(server) == {u: ({"$MyOwn"} if u == 1 else set()) for u in range(1, 13)}
    again = CliRunner().invoke(app, ["imap", "undo", server.url()], catch_exceptions=False)
    assert "nothing" in again.output


def test_move_to_moves_smile_mail_and_undo_brings_it_back(server, imap_env, tmp_path):
    client = server.client()
    client.create_folder("Sincere")
    ids_before = _message_ids(client, "INBOX")
    client.logout()
    missing = scan(server.url(), "--out", str(tmp_path / "x.jsonl"), "--move-to", "NoSuchFolder")
    assert missing.exit_code == 2 and "no folder 'NoSuchFolder'" in missing.output

    result = scan(server.url(), "--out", str(tmp_path / "r.jsonl"), "--move-to", "Sincere", "--label")
    assert result.exit_code == 1, result.output
    client = server.client()
    smile = {u for u, v in expected(range(1, 13)).items() if v == "smile"}
    moved = set(_message_ids(client, "Sincere").values())
    assert moved == {ids_before[u] for u in smile}
    assert set(_message_ids(client, "INBOX").values()) == set(ids_before.values()) - moved
    client.logout()
    assert all(k == {"$SincereSmile"} for k in _keywords(server, "Sincere").values())

    undo = CliRunner().invoke(app, ["imap", "undo", server.url()], catch_exceptions=False)
    assert "messages moved back: 6" in undo.output and "keywords removed: 8" in undo.output, undo.output
    client = server.client()
    assert set(_message_ids(client, "INBOX").values()) == set(ids_before.values())
    assert _message_ids(client, "Sincere") == {}
    client.logout()
    assert all(not k for k in _keywords(server).values())
    # The messages moved back have new UIDs; they are not new mail to score (and label) again.
    after = scan(server.url(), "--out", str(tmp_path / "after.jsonl"), "--label")
    assert after.exit_code == 0 and rows(tmp_path / "after.jsonl") == []


def _message_ids(client, folder: str):
    client.select_folder(folder, readonly=True)
    uids = client.search()
    if not uids:
        return {}
    fetched = client.fetch(uids, ["BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"])
    return {u: d[b"BODY[HEADER.FIELDS (MESSAGE-ID)]"].strip() for u, d in fetched.items()}


def test_a_renumbered_folder_is_scanned_again(server, imap_env, tmp_path):
    assert scan(server.url(), "--out", str(tmp_path / "r.jsonl")).exit_code == 1
    server.stop()
    for path in server.maildir.iterdir():  # forget the UIDs: the server picks a new UIDVALIDITY
        if path.name.startswith("dovecot"):
            path.unlink() if path.is_file() else shutil.rmtree(path)
    time.sleep(1.1)  # Dovecot's UIDVALIDITY is the clock's second: a new one needs another second
    server.start()
    result = scan(server.url(), "--out", str(tmp_path / "again.jsonl"))
    assert "renumbered" in result.output and len(rows(tmp_path / "again.jsonl")) == 12


def test_state_files_hold_no_message_text(server, imap_env, tmp_path):
    client = server.client()
    client.create_folder("Sincere")
    client.logout()
    scan(server.url(), "--out", str(tmp_path / "r.jsonl"), "--label", "--move-to", "Sincere")
    files = [p for p in imap_env.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"account.json", "journal.jsonl", "campaigns.db"}
    for path in files:
        data = path.read_bytes()
        for secret in (CANARY, "Northwind", "blue scarf", "Note 100", PASSWORD):
            assert secret.encode() not in data, f"{secret!r} in {path.name}"


def test_imaps_with_a_self_signed_certificate(server, imap_env, tmp_path, monkeypatch):
    untrusted = scan(server.url(tls=True), "--out", str(tmp_path / "r.jsonl"))
    assert untrusted.exit_code == 2 and "certificate" in untrusted.output and "not trusted" in untrusted.output
    monkeypatch.setenv("SSL_CERT_FILE", str(server.cert))
    trusted = scan(server.url(tls=True), "--out", str(tmp_path / "r.jsonl"))
    assert trusted.exit_code == 1, trusted.output
    assert len(rows(tmp_path / "r.jsonl")) == 12
    plain_to_tls = scan(f"imaps://{USER}@127.0.0.1:{server.port}/INBOX", "--out", str(tmp_path / "r.jsonl"))
    assert plain_to_tls.exit_code == 2 and "TLS handshake" in plain_to_tls.output


@pytest.mark.parametrize("case", ["wrong password", "password in the address", "plain text to another host",
                                  "no password", "password file"])
def test_login_problems_are_clear_errors(server, imap_env, tmp_path, monkeypatch, case):
    url, extra = server.url(), []
    if case == "wrong password":
        monkeypatch.setenv("SINCERE_IMAP_PASSWORD", "not it")
    elif case == "password in the address":
        url = url.replace("example.com@", "example.com:hunter2@")
    elif case == "plain text to another host":
        url = f"imap://{USER}@mail.example.org/INBOX"
    elif case == "no password":
        monkeypatch.delenv("SINCERE_IMAP_PASSWORD")
    else:
        (tmp_path / "pw").write_text(PASSWORD + "\n")
        monkeypatch.setenv("SINCERE_IMAP_PASSWORD", "not it")
        extra = ["--password-file", str(tmp_path / "pw")]
    result = scan(url, "--out", str(tmp_path / "r.jsonl"), *extra)
    if case == "password file":
        assert result.exit_code == 1 and len(rows(tmp_path / "r.jsonl")) == 12
        return
    assert result.exit_code == 2
    message = {"wrong password": "login refused for dana@example.com at 127.0.0.1",
               "password in the address": "not in the address",
               "plain text to another host": "unencrypted; use imaps://",
               "no password": "no password for dana@example.com"}[case]
    assert message in result.output
    assert "hunter2" not in result.output and "not it" not in result.output
    assert not (tmp_path / "r.jsonl").exists()


def test_more_mail_than_one_fetch_in_order(tmp_path, imap_env):
    from imap_server import Dovecot

    server = Dovecot()
    try:
        server.deliver(*inbox(250))
        server.start()
        result = scan(server.url(), "--out", str(tmp_path / "r.parquet"), "--checkpoint-every", "40", "--me",
                      "Dana Whitfield <dana@example.com>")
        assert result.exit_code == 1, result.output
        import pyarrow.parquet as pq

        table = pq.read_table(tmp_path / "r.parquet", columns=["id", "verdict"]).to_pylist()
        assert [uid(r) for r in table] == list(range(1, 251))
        assert {uid(r): r["verdict"] for r in table} == expected(range(1, 251))
    finally:
        server.remove()
