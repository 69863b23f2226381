"""An app per test on a temporary data dir, a live API key, and a client with the lifespan run."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings

EXTENSION = "chrome-extension://" + "abcdefghijklmnopabcdefghijklmnop"
SMILE = {
    "id": "m1", "channel": "email", "subject": "Quick question",
    "body": "Hi Dana, I came across your profile and loved your recent post. Open to a quick 15-minute chat next week?",
    "sender": {"name": "Sam Seller", "email": "sam@outreach.example"},
    "recipient": {"name": "Dana Whitfield", "first_name": "Dana"},
}


def make_settings(tmp_path: Path, **overrides) -> Settings:
    values = {"data_dir": tmp_path, "cors_origins": EXTENSION, "rate_limit": "100000/minute", "hash_salt": "test-salt"}
    return Settings(_env_file=None, **{**values, **overrides})


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def key(client) -> str:
    return client.app.state.services.keys.create("tests")[1]


@pytest.fixture
def auth(key) -> dict[str, str]:
    return {"X-API-Key": key}
