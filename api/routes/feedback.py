"""A user's feedback on a sender: later scores of that sender's messages for this user carry it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Shared, Who
from api.errors import documented
from api.feedback import RULE_FOR_FEEDBACK
from api.schemas import FeedbackRequest, FeedbackResult
from detector.sender_rules import sender_identity

router = APIRouter()


@router.post(
    "/v1/feedback", operation_id="feedback", tags=["feedback"], response_model=FeedbackResult,
    responses=documented(400, 401, 413, 422, 429, 500),
)
def feedback(body: FeedbackRequest, who: Who, services: Shared) -> dict[str, Any]:
    """Record "this sender is not cold" (`not_cold`) or "this is spam with a smile" (`smile`) for this user;
    later scores of that sender's messages for this user carry that verdict. Only salted hashes are stored."""
    rule = RULE_FOR_FEEDBACK[body.feedback]
    services.feedback.record(who.user, sender_identity(body.sender.model_dump()), rule)
    return {"rule": rule}
