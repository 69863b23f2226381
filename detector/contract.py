"""The scoring contract's record shapes in code (its prose is ../shared/contract/README.md).

Every way of scoring (`sincere score`, `sincere scan`, the Python API, the HTTP API) and training
read the field lists here, so a field added to the contract is added once. Fields may be added,
never renamed or removed: tools outside the project rely on these names.
"""

from __future__ import annotations

from typing import Any

CHANNELS = ("email", "linkedin", "sms", "video_transcript", "voicemail")
"""Where a message came from (an input record's `channel`)."""
INPUT_FIELDS = ("id", "channel", "subject", "body", "body_html", "raw", "audio_path", "sender", "recipient",
                "headers", "sent_at", "thread")
"""The fields of an input record, in the contract's order."""
SENDER_FIELDS = ("name", "email", "profile_url")
"""The fields of an input record's `sender` object."""
RECIPIENT_FIELDS = ("name", "first_name", "last_name", "company", "title", "email", "location")
"""The fields of an input record's `recipient` object: what the inbox owner is known by."""
RESULT_FIELDS = ("id", "score", "verdict", "reasons", "personalization", "campaign", "voice", "model_version", "error")
"""The fields of a result record (one per input record, same order), in the contract's order."""
VERDICTS = ("personal", "smile", "bulk", "error")
"""A result's `verdict`: written for this recipient, mass-produced but dressed as personal,
mass-produced and honest about it, or not scored (see `error`)."""


def error_result(record_id: Any, error: str, model_version: str) -> dict[str, Any]:
    """A result saying why a record was not scored; its id is echoed when it is a string or an integer
    (never another value's repr, which could carry the record's content)."""
    integer = isinstance(record_id, int) and not isinstance(record_id, bool)
    return {
        "id": record_id if isinstance(record_id, str) else (str(record_id) if integer else None),
        "score": None,
        "verdict": "error",
        "reasons": [],
        "personalization": None,
        "campaign": None,
        "voice": None,
        "model_version": model_version,
        "error": error,
    }
