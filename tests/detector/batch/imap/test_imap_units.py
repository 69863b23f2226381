"""The IMAP pieces that need no server: addresses, credentials, UID sets, plans, account state."""

from __future__ import annotations

import pytest

from detector.batch.imap.labels import Plan
from detector.batch.imap.mailbox import PASSWORD_ENV, TOKEN_ENV, AccessDenied, Credentials, ImapError, MailboxUrl
from detector.batch.imap.state import Account, FolderState
from detector.batch.readers.imap import message_id, parse_sequence_set, sequence_set, uid_of


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
