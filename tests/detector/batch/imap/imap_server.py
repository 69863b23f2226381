"""A throwaway Dovecot IMAP server on loopback for the IMAP tests: its own configuration, passwd
file, Maildir, log and self-signed certificate under one temporary folder; no system file touched.

Run as root (CI), the mail belongs to `nobody`, the only UID Dovecot may use for mail; run as
another user, Dovecot runs wholly as that user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.support import self_signed_certificate

USER, PASSWORD = "dana@example.com", "correct horse battery staple"
DOVECOT = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/sbin")
REPO = Path(__file__).parents[4]
needs_dovecot = pytest.mark.skipif(DOVECOT is None, reason="dovecot is not installed (Debian: apt-get install "
                                                           "dovecot-imapd; .ci/run installs it)")


def sincere(*args: str, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """`sincere ARGS` in its own process, with the test's environment plus `env`."""
    return subprocess.run([sys.executable, "-c", "from detector.cli import main; main()", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parents.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie child of ours counts as gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class Dovecot:
    """Its folder is made under the system temporary folder, not pytest's: Dovecot's own users must
    be able to pass through every folder above it, and pytest's are private to the test user."""

    def __init__(self, capabilities: str | None = None):
        self.root = root = Path(tempfile.mkdtemp(prefix="sincere-dovecot-"))
        os.chmod(root, 0o711)
        self.port, self.tls_port = free_port(), free_port()
        self.maildir = root / "home" / "Maildir"
        for sub in ("cur", "new", "tmp"):
            (self.maildir / sub).mkdir(parents=True, exist_ok=True)
        self.cert, key, _ = self_signed_certificate(root, ["localhost"], ca=True)
        if os.geteuid() == 0:
            mail_user, login_user, internal_user = pwd.getpwnam("nobody"), "dovenull", "dovecot"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal_user = mail_user.pw_name
        self.uid, self.gid = mail_user.pw_uid, mail_user.pw_gid
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        extra = f"imap_capability = {capabilities}\n" if capabilities else ""
        (root / "dovecot.conf").write_text(f"""\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = {self.uid}
last_valid_uid = {self.uid}
mail_location = maildir:{self.maildir}
{extra}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={root}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
    ssl = yes
  }}
}}
""")

    def url(self, folder: str = "INBOX", tls: bool = False) -> str:
        return f"imaps://{USER}@127.0.0.1:{self.tls_port}/{folder}" if tls else f"imap://{USER}@127.0.0.1:{self.port}/{folder}"

    def _own(self) -> None:
        for folder, _, files in os.walk(self.root / "home"):
            os.chown(folder, self.uid, self.gid)
            for name in files:
                os.chown(Path(folder) / name, self.uid, self.gid)

    def start(self) -> None:
        self._own()
        # The master runs in the background: its output goes to a file, so no pipe is left open.
        with (self.root / "start.log").open("ab") as log:
            started = subprocess.run([DOVECOT, "-c", str(self.root / "dovecot.conf")], stdout=log, stderr=log)
        if started.returncode:
            raise RuntimeError(f"dovecot did not start: {(self.root / 'start.log').read_text(errors='replace')}")
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start; its log:\n{self.log()}")

    def stop(self) -> None:
        """Stop the master and kill every process it started, open IMAP sessions included: their
        clients see the connection drop, as when a server goes down."""
        try:
            pid = int((self.root / "run" / "master.pid").read_text())
        except (OSError, ValueError):
            return
        children = _descendants(pid)
        os.kill(pid, signal.SIGTERM)
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and any(_alive(p) for p in (pid, *children)):
            time.sleep(0.05)
        while time.monotonic() < deadline:  # the port is free once the last process has gone
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
            except OSError:
                return
            time.sleep(0.05)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        try:
            return (self.root / "dovecot.log").read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def client(self):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", self.port, ssl=False, timeout=30)
        client.login(USER, PASSWORD)
        return client

    def deliver(self, messages: list[bytes], flags: dict[int, str] | None = None) -> None:
        """Put messages straight into the Maildir (before start): `flags` gives Maildir flags by index."""
        for i, data in enumerate(messages):
            info = (flags or {}).get(i, "")
            (self.maildir / "cur" / f"{1700000000 + i}.M{i}P1.test:2,{info}").write_bytes(data)
