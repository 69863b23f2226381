"""A fresh Dovecot per test, filled with the project's fixture mail, and a way to run `sincere`."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from imap_mail import inbox  # noqa: E402
from imap_server import PASSWORD, Dovecot  # noqa: E402


@pytest.fixture
def server():
    dovecot = Dovecot()
    try:
        dovecot.deliver(*inbox())
        dovecot.start()
        yield dovecot
    finally:
        dovecot.remove()


@pytest.fixture
def imap_env(monkeypatch, tmp_path):
    """The password in its environment variable and the account state in the test's own folder."""
    monkeypatch.setenv("SINCERE_IMAP_PASSWORD", PASSWORD)
    monkeypatch.setenv("SINCERE_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data" / "imap"

