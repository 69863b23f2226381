"""In separate processes: a scan whose server is stopped mid-fetch, then resumed (nothing lost or
written twice), and `sincere watch` labelling mail appended while it runs, through a restart of
the server, until SIGTERM stops it cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from imap_mail import CANARY, inbox, template
from imap_server import PASSWORD, REPO, Dovecot, needs_dovecot, sincere

from tests.support import wait_for_checkpoint

pytestmark = needs_dovecot
N = 800
ME = "Dana Whitfield <dana@example.com>"


def test_server_stopped_mid_scan_then_resume_loses_and_duplicates_nothing(tmp_path, imap_env):
    server = Dovecot()
    try:
        server.deliver(*inbox(N))
        server.start()
        out = tmp_path / "r.jsonl"
        state = tmp_path / "r.jsonl.scan" / "state.json"
        args = ("scan", server.url(), "--out", str(out), "--checkpoint-every", "25", "--me", ME)
        first = subprocess.Popen([sys.executable, "-c", "from detector.cli import main; main()", *args], cwd=REPO,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        done_at_stop, state_text = wait_for_checkpoint(first, state, 100, timeout=180)
        if done_at_stop >= 100:
            server.stop()
        _, stderr = first.communicate(timeout=120)
        assert first.returncode == 2, stderr[-2000:]
        assert "connect" in stderr and "run the same command again with --resume" in stderr, stderr[-2000:]
        assert 100 <= done_at_stop < N
        assert not out.exists(), "the output appears only when the scan completes"
        assert CANARY not in state_text and PASSWORD not in state_text

        server.start()
        second = sincere(*args, "--resume")
        assert second.returncode == 1, second.stderr[-2000:]  # error rows: the messages with no text
        assert "resumed after" in second.stderr
        ids = [json.loads(line)["id"] for line in out.read_text().splitlines()]
        assert [int(i.rsplit("UID=", 1)[1]) for i in ids] == list(range(1, N + 1))
        assert not state.parent.exists()
        account = json.loads(next(imap_env.glob("*/account.json")).read_text())
        assert account["folders"]["INBOX"]["last_uid"] == N
    finally:
        server.remove()


class Watch:
    """`sincere watch` in the background, its stderr lines collected as they come."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([sys.executable, "-c", "from detector.cli import main; main()", "watch", *args],
                                        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                        env=os.environ.copy())
        self.lines: list[str] = []
        self._reader = threading.Thread(target=lambda: self.lines.extend(self.process.stderr), daemon=True)
        self._reader.start()

    def wait_for(self, text: str, after: int = 0, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, line in enumerate(self.lines[after:], after):
                if text in line:
                    return i + 1
            assert self.process.poll() is None, "".join(self.lines)[-3000:]
            time.sleep(0.05)
        raise AssertionError(f"no {text!r} within {timeout} s:\n" + "".join(self.lines)[-3000:])


def _wait_for_keyword(server: Dovecot, uid: int, keyword: bytes, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        client = server.client()
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags([uid]).get(uid, ())
        client.logout()
        if keyword in flags:
            return
        time.sleep(0.2)
    raise AssertionError(f"UID {uid} never got {keyword!r}")


def test_watch_labels_mail_that_arrives_and_survives_a_server_restart(server, imap_env, tmp_path):
    out = tmp_path / "watch.jsonl"
    watch = Watch(server.url(), "--label", "--out", str(out), "--me", ME)
    try:
        seen = watch.wait_for("waiting for new mail in INBOX (IDLE)")
        client = server.client()
        client.append("INBOX", template(5000))
        client.logout()
        _wait_for_keyword(server, 13, b"$SincereSmile")
        seen = watch.wait_for("1 new in INBOX: smile 1; written back: keywords added: 1", seen)

        server.stop()
        seen = watch.wait_for("trying again in", seen)
        server.start()
        seen = watch.wait_for("connected again", seen)
        client = server.client()
        client.append("INBOX", template(5001))
        client.logout()
        _wait_for_keyword(server, 14, b"$SincereSmile")
    finally:
        watch.process.send_signal(signal.SIGTERM)
        watch.process.wait(timeout=60)
        watch._reader.join(timeout=10)
    assert watch.process.returncode == 0, "".join(watch.lines)[-3000:]
    assert "stopped; 2 messages scored" in watch.lines[-1]
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["id"].rsplit("UID=", 1)[1], r["verdict"]) for r in rows] == [("13", "smile"), ("14", "smile")]
    # The twelve messages there before the first watch are not its business: it starts with new mail.
    client = server.client()
    client.select_folder("INBOX", readonly=True)
    assert not any(b"$SincereSmile" in f for u, f in client.get_flags(list(range(1, 13))).items())
    client.logout()


def test_without_idle_and_move_watch_polls_copies_and_undo_removes_only_its_copy(imap_env, tmp_path):
    server = Dovecot(capabilities="IMAP4rev1 LITERAL+ UIDPLUS NAMESPACE")
    try:
        server.deliver(*inbox())
        server.start()
        client = server.client()
        client.create_folder("Sincere")
        client.logout()
        watch = Watch(server.url(), "--move-to", "Sincere", "--poll-seconds", "1", "--me", ME)
        try:
            watch.wait_for("waiting for new mail in INBOX (polling every 1 s)")
            client = server.client()
            client.append("INBOX", template(6000))
            client.logout()
            watch.wait_for("written back: messages copied (originals kept): 1")
        finally:
            watch.process.send_signal(signal.SIGTERM)
            watch.process.wait(timeout=60)
        assert watch.process.returncode == 0, "".join(watch.lines)[-3000:]
        client = server.client()
        client.select_folder("Sincere", readonly=True)
        assert len(client.search()) == 1
        client.select_folder("INBOX", readonly=True)
        assert len(client.search()) == 13, "without MOVE the original stays where it was"
        client.logout()

        undo = sincere("imap", "undo", server.url())
        assert undo.returncode == 0 and "copies Sincere made removed: 1" in undo.stderr, undo.stderr
        client = server.client()
        client.select_folder("Sincere", readonly=True)
        assert client.search() == []
        client.select_folder("INBOX", readonly=True)
        assert len(client.search()) == 13
        client.logout()
    finally:
        server.remove()
