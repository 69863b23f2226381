"""One SQLite connection per thread for the API's small tables (keys, feedback), shared by workers via the file."""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) readable by this user only; an existing folder is left as it is."""
    if not path.is_dir():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)  # mkdir's mode is masked by the umask


def private_file(path: Path) -> None:
    """Create an empty `path` as 0600 unless it exists: SQLite then gives its -wal/-shm files the same mode."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class Database:
    """An SQLite file opened once per thread in WAL mode, so workers and threads share its tables safely."""

    def __init__(self, path: Path, schema: str):
        self.path = path
        self._schema = schema
        self._local = threading.local()
        private_dir(path.parent)
        private_file(path)
        with self.connection() as conn:
            conn.executescript(schema)

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (sqlite3 connections must stay on their thread)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=10000")
            self._local.conn = conn
        return conn

    def ping(self) -> bool:
        """Whether the database answers a query, one of /readyz's checks."""
        try:
            self.connection().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False
