"""The peers' daemons for the benchmark: spamd (SpamAssassin) and rspamd with its redis, each on a
loopback port, configured in a throw-away folder for local tests only (no DNS blocklists, no
network rules, no Bayes learning), so a run never touches the network or the system's config.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SPAMD_PORT, RSPAMD_PORT, REDIS_PORT = 17830, 17833, 17379
RSPAMD_NETWORK_MODULES = (
    "rbl", "fuzzy_check", "dcc", "asn", "phishing", "spf", "dkim", "dmarc", "arc", "url_redirector",
    "neural", "greylist", "ratelimit", "reputation", "replies", "external_services", "spamassassin",
    "metadata_exporter", "clickhouse", "elastic", "mx_check", "rspamd_update", "hfilter", "emails",
    "dkim_signing", "arc_signing", "maillist_whitelist", "p0f", "url_reputation", "url_tags", "bimi",
)
"""rspamd modules that look things up over the network (DNS, HTTP, fuzzy storages) or learn."""


class PeerUnavailable(RuntimeError):
    """A peer is not installed or would not start; the benchmark reports it instead of a figure."""


class Daemon:
    """One started daemon process (it and its worker children are measured for memory)."""

    def __init__(self, name: str, argv: list[str], log: Path, port: int, timeout: float = 120):
        self.name = name
        self.log = log
        self.folder = log.parent
        with log.open("ab") as sink:
            self.process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _listening(port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise PeerUnavailable(f"{name} did not start on 127.0.0.1:{port} (log: {log})")
            time.sleep(0.2)

    @property
    def pid(self) -> int:
        """The process whose tree PeakRss samples."""
        return self.process.pid

    def stop(self) -> None:
        """Stop the daemon and its workers (the whole process group), killing them if they ignore SIGTERM for 20 s."""
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, 15)
            except ProcessLookupError:
                pass
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _need(*commands: str) -> None:
    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        raise PeerUnavailable(f"not installed: {', '.join(missing)}")


def _open_to(path: Path, user: str | None) -> None:
    """Let the daemon's unprivileged user into the work folder when we run as root."""
    path.chmod(0o755)
    if user and os.geteuid() == 0:
        shutil.chown(path, user, user if user != "nobody" else "nogroup")


def daemon_folder(prefix: str) -> Path:
    """A folder for a daemon's config and state, readable by the unprivileged user it drops to
    (the caller's work folder may be private); it never holds message text."""
    return Path(tempfile.mkdtemp(prefix=prefix))


def start_spamd(children: int) -> Daemon:
    """spamd -L (local tests only), site config copied from /etc/spamassassin plus no-Bayes, no-DNS."""
    _need("spamd", "spamc")
    work = daemon_folder("sincere-spamd-")
    site = work / "spamassassin"
    site.mkdir(parents=True, exist_ok=True)
    for pre in Path("/etc/spamassassin").glob("*.pre"):
        shutil.copy(pre, site / pre.name)
    (site / "local.cf").write_text(
        "use_bayes 0\nbayes_auto_learn 0\nskip_rbl_checks 1\ndns_available no\n"
        "use_razor2 0\nuse_pyzor 0\nuse_dcc 0\n", encoding="utf-8")
    for path in (work, site):
        path.chmod(0o755)
    argv = ["spamd", "-L", "-x", "--siteconfigpath", str(site), "-i", "127.0.0.1", "-A", "127.0.0.1",
            "-p", str(SPAMD_PORT), f"--min-children={children}", f"--max-children={children}",
            f"--min-spare={children}", "--syslog", str(work / "spamd.log"), "--helper-home-dir", str(site)]
    if os.geteuid() == 0:
        argv[1:1] = ["-u", "nobody"]
    return Daemon("spamd", argv, work / "spamd.out", SPAMD_PORT)


def start_rspamd(workers: int) -> list[Daemon]:
    """redis on a private port, then rspamd with the system rules and a local override folder."""
    _need("rspamd", "rspamc", "redis-server")
    work = daemon_folder("sincere-rspamd-")
    root = work / "rspamd"
    conf, db, run, log = (root / d for d in ("conf", "db", "run", "log"))
    for path in (root, conf / "local.d", conf / "override.d", db, run, log):
        path.mkdir(parents=True, exist_ok=True)
    redis = Daemon("redis-server", ["redis-server", "--bind", "127.0.0.1", "--port", str(REDIS_PORT),
                                    "--save", "", "--appendonly", "no", "--dir", str(root)],
                   work / "redis.out", REDIS_PORT)
    local, override = conf / "local.d", conf / "override.d"
    (local / "redis.conf").write_text(f'servers = "127.0.0.1:{REDIS_PORT}";\n', encoding="utf-8")
    (local / "classifier-bayes.conf").write_text("autolearn = false;\n", encoding="utf-8")
    for module in RSPAMD_NETWORK_MODULES:
        (local / f"{module}.conf").write_text("enabled = false;\n", encoding="utf-8")
    (override / "options.inc").write_text(
        'filters = "chartable,regexp";\n'
        'dns { nameserver = ["127.0.0.1:9"]; timeout = 0.1s; retransmits = 0; }\n', encoding="utf-8")
    (override / "worker-normal.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_PORT}";\ncount = {workers};\n', encoding="utf-8")
    (override / "worker-controller.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_PORT + 1}";\n', encoding="utf-8")
    (override / "worker-proxy.inc").write_text(
        f'bind_socket = "127.0.0.1:{RSPAMD_PORT + 2}";\ncount = 0;\nenabled = false;\n', encoding="utf-8")
    user = "_rspamd" if os.geteuid() == 0 else None
    for path in (work, root, conf, local, override, db, run, log):
        _open_to(path, user if path in (db, run, log) else None)
    argv = ["rspamd", "-f", "-c", "/etc/rspamd/rspamd.conf",
            "--var", f"LOCAL_CONFDIR={conf}", "--var", f"DBDIR={db}", "--var", f"RUNDIR={run}",
            "--var", f"LOGDIR={log}"]
    if user:
        argv += ["-u", user, "-g", user]
    try:
        return [redis, Daemon("rspamd", argv, work / "rspamd.out", RSPAMD_PORT)]
    except PeerUnavailable:
        redis.stop()
        raise


def version(argv: list[str]) -> str:
    """First line of a peer's --version output."""
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else "unknown"
