"""Fixtures for the campaign index: rendered template copies and a real loopback redis-server."""

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from detector.engine import prepare
from detector.signals import default_registry

REPO = Path(__file__).parents[3]
TEMPLATES = REPO / "data" / "templates"
CONTRACT_KEYS = ("id", "channel", "subject", "body", "recipient", "sender", "thread")


def contract(record: dict) -> dict:
    """A rendered, labelled record reduced to what a caller would send."""
    return {k: record[k] for k in CONTRACT_KEYS if k in record}


@pytest.fixture(scope="session")
def registry():
    return default_registry()


@pytest.fixture(scope="session")
def clean_copies():
    """Five recipients per template, clean fills only (merge failures are other signals' business)."""
    from training.templates import render_smile

    return [r for r in render_smile(TEMPLATES, seed=13, copies_per_template=5) if r["merge_failure"] is None]


@pytest.fixture(scope="session")
def fingerprint_of(registry):
    from detector.campaigns.fingerprint import fingerprint

    return lambda record: fingerprint(*prepare(contract(record), registry))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt package redis-server); Redis store tests need a real server")
    port = _free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        proc.kill()
        pytest.fail("redis-server did not start")
    yield f"redis://127.0.0.1:{port}/0"
    client.close()
    proc.terminate()
    proc.wait(timeout=10)
