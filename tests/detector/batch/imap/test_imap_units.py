"""The IMAP pieces that need no server: addresses, credentials, UID sets, plans, account state."""

from __future__ import annotations

import pytest

from detector.batch.imap.labels import Plan
from detector.batch.imap.mailbox import PASSWORD_ENV, TOKEN_ENV, AccessDenied, Credentials, ImapError, MailboxUrl
from detector.batch.imap.source import message_id, parse_sequence_set, sequence_set, uid_of
from detector.batch.imap.state import Account, FolderState


def test_mailbox_addresses():
    url = MailboxUrl.parse("imaps://jane@gmail.com@imap.gmail.com/%5BGmail%5D/All%20Mail")
    assert (url.user, url.host, url.port, url.folder, url.tls) == ("jane@gmail.com", "imap.gmail.com", 993,
                                                                   "[Gmail]/All Mail", True)
    assert str(MailboxUrl.parse("imaps://bob@outlook.office365.com")) == "imaps://bob@outlook.office365.com:993/INBOX"
    assert MailboxUrl.parse("imap://bob@127.0.0.1:1143/Work").port == 1143
    assert MailboxUrl.parse("imaps://a@b.example:993/x").account_key == "a@b.example_993"
    for bad, why in [("imaps://a:secret@b.example/INBOX", "not in the address"),
                     ("imap://a@mail.example.org/INBOX", "unencrypted"),
                     ("imaps://b.example/INBOX", "needs a user"),
                     ("imaps://a@b.example:99x/INBOX", "not a number")]:
        with pytest.raises(ImapError, match=why) as caught:
            MailboxUrl.parse(bad)
        assert "secret" not in str(caught.value)


def test_credentials_come_from_a_token_a_file_or_the_environment(tmp_path):
    url = MailboxUrl.parse("imaps://a@b.example/INBOX")
    (tmp_path / "pw").write_text("from file\n")
    (tmp_path / "token").write_text("ya29.token\n")
    assert Credentials.resolve(url, token_file=tmp_path / "token", environ={}) == Credentials("ya29.token", oauth2=True)
    assert Credentials.resolve(url, environ={TOKEN_ENV: "t"}).oauth2
    assert Credentials.resolve(url, tmp_path / "pw", environ={PASSWORD_ENV: "env"}).secret == "from file"
    assert Credentials.resolve(url, environ={PASSWORD_ENV: "env"}).secret == "env"
    assert "env" not in repr(Credentials("env"))
    (tmp_path / "empty").write_text("\n")
    with pytest.raises(AccessDenied, match="is empty"):
        Credentials.resolve(url, tmp_path / "empty", environ={})
    with pytest.raises(AccessDenied, match="cannot read the password file"):
        Credentials.resolve(url, tmp_path / "missing", environ={})


def test_uid_sets_round_trip():
    for uids in ([], [7], [1, 2, 3, 5, 8, 9, 10, 40], list(range(1, 10001))):
        assert parse_sequence_set(sequence_set(uids)) == uids
    assert sequence_set([1, 2, 3, 5, 8, 9]) == "1:3,5,8:9"
    assert uid_of(message_id("[Gmail]/All Mail", 12, 345)) == 345


def test_plan_labels_smile_and_bulk_and_moves_smile():
    plan = Plan.of([(1, "smile"), (2, "personal"), (3, "bulk"), (4, "smile"), (5, "error")], True, "Sincere")
    assert plan.keywords == {"$SincereSmile": [1, 4], "$SincereBulk": [3]}
    assert plan.move == [1, 4]
    assert Plan.of([(1, "smile")], False, None).describe() == ["nothing to change"]


def test_account_state_remembers_folders_and_skips(tmp_path):
    url = MailboxUrl.parse("imaps://a@b.example/INBOX")
    with Account(url, tmp_path).lock() as account:
        assert account.folder_state("INBOX") is None
        account.advance("INBOX", FolderState(7, 40))
        account.skip("INBOX", 7, [41, 42])
        account.skip("INBOX", 8, [99])  # another UIDVALIDITY: nothing to skip
        with pytest.raises(ImapError, match="another sincere run"), Account(url, tmp_path).lock():
            pass
    with Account(url, tmp_path).lock() as account:
        assert account.folder_state("INBOX") == FolderState(7, 40, (41, 42))
        account.advance("INBOX", FolderState(7, 41, (41, 42)))
        assert account.folder_state("INBOX").skip == (42,)


class StubSession:
    """What ImapFolderSource asks of a session, answering FETCH from a dict (a Gmail-like server)."""

    url = MailboxUrl.parse("imaps://jane@gmail.com@imap.gmail.com/INBOX")

    def __init__(self, messages: dict[int, dict], refuses: set[int] = frozenset()):
        self.messages, self.refuses = messages, refuses

    def has(self, capability: str) -> bool:
        return capability == "X-GM-EXT-1"

    def retrying(self, operation):
        return operation(self)

    def fetch(self, uids, items):
        from imapclient.exceptions import IMAPClientError

        assert "BODY.PEEK[]<0.4194304>" in items and "X-GM-LABELS" in items
        if self.refuses & set(uids):
            raise IMAPClientError("FETCH failed: Some messages could not be FETCHed")
        return {uid: self.messages[uid] for uid in uids if uid in self.messages}


def test_rows_carry_gmail_labels_flags_and_one_error_row_per_unreadable_message():
    from detector.batch.imap.source import ImapFolderSource
    from detector.batch.readers.base import Position

    body = b"From: a@b.example\r\nTo: jane@gmail.com\r\nSubject: hi\r\n\r\nHello Jane, see you at 6.\r\n"
    messages = {1: {b"FLAGS": (b"\\Seen", b"$Custom"), b"RFC822.SIZE": len(body), b"BODY[]<0>": body,
                    b"X-GM-LABELS": (b"\\Inbox", b"Work stuff"), b"X-GM-THRID": 1790000000000000001},
                3: {b"FLAGS": (), b"RFC822.SIZE": 10 * len(body), b"BODY[]<0>": body[:-2]},
                4: {b"FLAGS": (), b"RFC822.SIZE": 5}}
    source = ImapFolderSource(StubSession(messages, refuses={3, 5}), 7, [1, 2, 3, 4, 5])
    rows = list(source.rows(Position(), None))
    assert [r["id"] for r in rows] == [f"INBOX;UIDVALIDITY=7/;UID={u}" for u in range(1, 6)]
    assert rows[0]["labels"] == ["Inbox", "Work stuff", "seen"] and rows[0]["thread_id"] == "1790000000000000001"
    assert "raw" in rows[0] and rows[0]["sender"] == {"email": "a@b.example"}
    assert rows[1]["read_error"] == "deleted from the server before it was read"
    assert rows[2]["read_error"].startswith("the server would not send this message")
    assert rows[3]["read_error"] == "the server sent no message body"
    assert rows[4]["read_error"].startswith("the server would not send this message")
    assert list(source.rows(Position(), None, skip=4))[0]["id"].endswith("UID=5")


def test_a_message_larger_than_the_cap_is_read_from_its_start_not_called_truncated():
    from detector.batch.imap.source import ImapFolderSource
    from detector.batch.readers.base import Position

    head = (b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="B"\r\n\r\n--B\r\n'
            b"Content-Type: text/plain\r\n\r\nHello Jane, the photos are attached.\r\n--B\r\nContent-Type: image/png\r\n\r\n")
    messages = {1: {b"FLAGS": (), b"RFC822.SIZE": 50 << 20, b"BODY[]<0>": head + b"A" * 1000}}
    row = next(ImapFolderSource(StubSession(messages), 7, [1]).rows(Position(), None))
    assert "read_error" not in row and "raw" in row
