"""Every test runs with its own empty sincere config folder and no $SINCERE_MODEL, so a model
chosen with `sincere models use` in one test (or on the developer's machine) never leaks into another."""

import pytest


@pytest.fixture(autouse=True)
def isolated_config(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("SINCERE_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("SINCERE_MODEL", raising=False)
