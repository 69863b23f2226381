"""Copies of one template are linked across requests and across workers (one SQLite index file)."""

from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.conftest import make_settings

TEMPLATE = ("Hi {name}, I noticed {company} is growing fast and wanted to reach out. We help teams like yours "
            "cut onboarding time in half with our platform. Would you be open to a quick 15-minute call next week?")
PEOPLE = [("Dana", "Acme"), ("Lee", "Globex"), ("Ana", "Initech"), ("Raj", "Umbrella")]


def _copy(i: int) -> dict:
    name, company = PEOPLE[i]
    return {"id": f"c{i}", "channel": "email", "body": TEMPLATE.format(name=name, company=company),
            "recipient": {"name": f"{name} Person", "first_name": name, "company": company}}


def test_copies_sent_in_separate_requests_and_workers_are_one_campaign(tmp_path):
    settings = make_settings(tmp_path)
    assert settings.campaign_url.startswith("sqlite:///")
    first, second = create_app(settings), create_app(settings)  # two workers sharing the data dir
    with TestClient(first) as a, TestClient(second) as b:
        key = first.state.services.keys.create("t")[1]
        headers = {"X-API-Key": key}
        results = [(a if i % 2 else b).post("/v1/score", json=_copy(i), headers=headers).json() for i in range(4)]
    assert results[0]["campaign"] is None
    last = results[-1]["campaign"]
    assert last is not None and last["copies"] == 4 and last["recipients"] == 4
    assert any(r["code"] == "CAMPAIGN_COPY" for r in results[-1]["reasons"])
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("campaigns.sqlite3*"))
    assert b"onboarding" not in stored and b"Globex" not in stored
