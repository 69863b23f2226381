"""Feedback changes the next verdict for that user only, and stores no sender in clear."""

from tests.api.conftest import SMILE


def _verdict(client, headers, record=SMILE):
    response = client.post("/v1/score", json=record, headers=headers)
    assert response.status_code == 200
    return response.json()


def test_feedback_changes_the_next_verdict_for_that_user_only(client, auth, settings):
    alice, bob = {**auth, "X-Sincere-User": "alice"}, {**auth, "X-Sincere-User": "bob"}
    other_key = {"X-API-Key": client.app.state.services.keys.create("other")[1], "X-Sincere-User": "alice"}
    before = _verdict(client, alice)
    assert before["verdict"] == "smile"

    said = client.post("/v1/feedback", json={"sender": SMILE["sender"], "feedback": "not_cold"}, headers=alice)
    assert said.status_code == 200 and said.json() == {"rule": "allow"}
    after = _verdict(client, alice)
    assert after["verdict"] == "personal"
    assert after["reasons"][0]["code"] == "USER_ALLOWED_SENDER"
    assert after["score"] == before["score"]
    for stranger in (bob, other_key, auth):
        assert _verdict(client, stranger)["verdict"] == "smile"
    other_sender = dict(SMILE, sender={"email": "someone@else.example"})
    assert _verdict(client, alice, other_sender)["verdict"] == "smile"

    batch = client.post("/v1/score/batch", json=[SMILE, other_sender], headers=alice).json()
    assert [r["verdict"] for r in batch] == ["personal", "smile"]

    assert client.post("/v1/feedback", json={"sender": {"email": " SAM@outreach.example "}, "feedback": "forget"},
                       headers=alice).json() == {"rule": None}
    assert _verdict(client, alice)["verdict"] == "smile"

    stored = settings.database_path.read_bytes() + b"".join(
        p.read_bytes() for p in settings.data_dir.glob("api.sqlite3*"))
    assert b"outreach.example" not in stored and b"alice" not in stored


def test_smile_feedback_marks_a_sender_for_that_user(client, auth):
    personal = {"id": "p", "channel": "email", "body": "Mark, the venue moved the keynote to 2pm, so we can still grab lunch.",
                "sender": {"profile_url": "https://www.linkedin.com/in/ted/"}}
    headers = {**auth, "X-Sincere-User": "carol"}
    assert _verdict(client, headers, personal)["verdict"] == "personal"
    said = client.post("/v1/feedback", json={"sender": {"profile_url": "https://www.linkedin.com/in/ted"}, "feedback": "smile"},
                       headers=headers)
    assert said.json() == {"rule": "deny"}
    marked = _verdict(client, headers, personal)
    assert marked["verdict"] == "smile" and marked["reasons"][0]["code"] == "USER_DENIED_SENDER"
    assert _verdict(client, auth, personal)["verdict"] == "personal"


def test_feedback_needs_an_identifiable_sender(client, auth):
    response = client.post("/v1/feedback", json={"sender": {"name": "Sam"}, "feedback": "smile"}, headers=auth)
    assert response.status_code == 422
