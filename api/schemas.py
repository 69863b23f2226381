"""Request and response bodies: the scoring contract's record shapes (detector.contract) as models.

Fields may be added here, never renamed. `audio_path` is left out on purpose: a client's file
path means nothing to the server, which never opens paths it is given; audio goes to /v1/score/audio.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from detector.contract import CHANNELS, VERDICTS

MAX_BATCH = 100
"""Most records in one /v1/score/batch request."""
MAX_ID_CHARS = 1000
"""Longest record id accepted (and echoed in a batch error result)."""


def valid_unicode(value: str) -> str:
    r"""`value` unchanged if it encodes as UTF-8. JSON can carry lone surrogates (`\ud800`), which could be
    neither scored nor sent back, so they are refused."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (no lone surrogates)") from None
    return value


Text = Annotated[str, AfterValidator(valid_unicode)]
NOT_BLANK = "[^\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"
"""A character Python's str.strip() keeps: a string matching this somewhere is not blank (`pattern` is unanchored)."""


def _one_present_of(*names: str, pattern: str | None = None) -> dict[str, Any]:
    """JSON Schema saying that at least one of `names` is present as a string (matching `pattern`)."""
    rule = {"type": "string", **({"pattern": pattern} if pattern else {})}
    return {"anyOf": [{"required": [n], "properties": {n: rule}} for n in names]}


def _text_rule(schema: dict[str, Any], model: type) -> None:
    if model is ScoreRequest:  # not AudioMetadata, whose words may come from the recording
        schema.update(_one_present_of("body", "body_html", "raw"))
Channel = Literal[CHANNELS]


class Sender(BaseModel):
    """Who sent the message."""

    name: Text | None = None
    email: Text | None = None
    profile_url: Text | None = None


class Recipient(BaseModel):
    """What the inbox owner is known by."""

    name: Text | None = None
    first_name: Text | None = None
    last_name: Text | None = None
    company: Text | None = None
    title: Text | None = None
    email: Text | None = None
    location: Text | None = None


class ThreadItem(BaseModel):
    """An earlier message of the thread. `from_recipient` says whether the inbox owner wrote it (null when
    unknown): a reply that echoes the owner's own words shows shared history, the deepest personalization."""

    from_recipient: bool | None = None
    body: Text


class ScoreRequest(BaseModel):
    """One message (a contract input record): one of body, body_html or raw is required. Unknown fields are ignored."""

    model_config = ConfigDict(json_schema_extra=_text_rule)

    id: Annotated[Text, Field(min_length=1, max_length=MAX_ID_CHARS)]
    channel: Channel
    subject: Text | None = None
    body: Text | None = None
    body_html: Text | None = None
    raw: Annotated[Text | None, Field(description="A whole RFC 822 message (headers + MIME).")] = None
    sender: Sender | None = None
    recipient: Recipient | None = None
    headers: dict[Text, Text] | None = None
    sent_at: Annotated[Text | None, Field(description="ISO 8601")] = None
    thread: Annotated[list[ThreadItem] | None, Field(description="Earlier messages of the thread, oldest first.")] = None

    @model_validator(mode="after")
    def _has_text(self) -> ScoreRequest:
        if self.body is None and self.body_html is None and self.raw is None:
            raise ValueError("one of 'body', 'body_html' or 'raw' is required")
        return self

    def record(self) -> dict[str, Any]:
        """The contract record the engine scores."""
        return self.model_dump(exclude_none=True)


class AudioMetadata(ScoreRequest):
    """The `metadata` part of /v1/score/audio: a contract record whose words come from the recording.
    A `body` given here is scored as the transcript instead of transcribing the audio."""

    channel: Channel = "voicemail"

    @model_validator(mode="after")
    def _has_text(self) -> AudioMetadata:
        return self


class Evidence(BaseModel):
    """A span of the scored text that shows a reason. `start` and `end` are offsets in Unicode code points
    (not UTF-16 units) into the text the server scored: for email the subject, a blank line, then the body
    as plain text without quoted replies or signature. A client cannot rebuild that text exactly, so
    `text` repeats the span."""

    start: int
    end: int
    text: str


class Reason(BaseModel):
    """One reason for the result. `weight` is how far it moved the score, in logit points: positive towards
    mass-produced, negative towards personal, 0 for a reason shown without being scored. Reasons come
    strongest first, a user's own feedback rule before all others."""

    code: str = Field(description="UPPER_SNAKE, stable, documented.")
    weight: float
    description: str
    evidence: list[Evidence]


class Slot(BaseModel):
    """A place where the message refers to its reader, such as their first name or company, found in the
    scored text; `start`, `end` and `text` as in Evidence."""

    type: str
    text: str
    start: int
    end: int


class Personalization(BaseModel):
    """How far the message is made for its reader. `depth`: `none` (no reader details, no shared
    history), `shallow` (reader details only: without them the text could go to anyone) or `deep`
    (shared history: it echoes the reader's earlier messages or refers to past exchanges)."""

    slots: list[Slot]
    depth: Literal["none", "shallow", "deep"]


class Campaign(BaseModel):
    """Other copies of the same template seen by this server (its shared campaign index)."""

    model_config = ConfigDict(extra="allow")

    id: str
    copies: int
    recipients: int
    varying_slots: list[str]


class VoiceCampaign(BaseModel):
    """Other copies of the same recording (audio fingerprint) seen by this server."""

    id: str
    copies: int
    recipients: int


class Voice(BaseModel):
    """What the recording itself showed, for audio (voicemail) results; null for text."""

    synthetic: Annotated[float, Field(ge=0, le=1, description="Probability that the voice is text-to-speech.")]
    transcript: Annotated[str | None, Field(description="What speech recognition heard; null when a body was given.")]
    campaign: Annotated[VoiceCampaign | None, Field(description="The recording's audio campaign, if any.")] = None


class ScoreResult(BaseModel):
    """One contract output record."""

    id: str | None
    score: Annotated[float | None, Field(ge=0, le=1)]
    verdict: Literal[VERDICTS]
    reasons: list[Reason]
    personalization: Personalization | None
    campaign: Campaign | None
    voice: Voice | None
    model_version: str
    error: str | None


class FeedbackRequest(BaseModel):
    """Feedback on a sender: a rule that sets the verdict of that sender's later messages (the score stays
    the model's) for this API key and X-Sincere-User only, or `forget` to drop the rule."""

    sender: Annotated[Sender, Field(
        description="The sender the feedback is about; needs an email or a profile_url that is not blank.",
        json_schema_extra=_one_present_of("email", "profile_url", pattern=NOT_BLANK),
    )]
    feedback: Literal["not_cold", "smile", "forget"] = Field(
        description="not_cold: always personal for you; smile: always spam with a smile for you; forget: drop the rule."
    )

    @model_validator(mode="after")
    def _identifiable(self) -> FeedbackRequest:
        if not ((self.sender.email or "").strip() or (self.sender.profile_url or "").strip()):
            raise ValueError("'sender' needs an 'email' or a 'profile_url'")
        return self


class FeedbackResult(BaseModel):
    """The caller's rule for this sender after the request: null once forgotten."""

    rule: Literal["allow", "deny"] | None = Field(description="The rule now applied to this sender for you.")


class ModelInfo(BaseModel):
    """The model bundle this server scores with: `model_version` is the value results carry, `classes` the
    labels its text model tells apart, in the order of its probability outputs."""

    model_version: str
    name: str
    version: str
    kind: str | None
    classes: list[str]
    threshold: float = Field(description="Scores at or above it are mass-produced.")
    target_fpr: float = Field(description="False-positive rate on personal messages the threshold was chosen for.")
    metrics: dict[str, float] = Field(description="Headline test metrics from the model card.")
    training_rows: dict[str, int] | None


class Status(BaseModel):
    """Liveness (/healthz) or readiness (/readyz). `status` is `ok`, `ready` or `not_ready`; `checks` (readyz
    only) says which required part answers, `capabilities` which optional ones this server has."""

    status: str
    checks: dict[str, bool] = Field(default_factory=dict)
    capabilities: dict[str, bool] = Field(
        default_factory=dict, description="text, voice (transcribing uploads), voice_campaigns, transformer, campaign_store.")


class FieldError(BaseModel):
    """One invalid part of a request: where it is (`loc`, path parts that are not field names shown as
    `*`), what is wrong and pydantic's error type. The value sent is never echoed."""

    loc: list[str | int]
    msg: str
    type: str


class ErrorDetail(BaseModel):
    """`code` is a stable name for the HTTP status (e.g. `invalid_request`, `rate_limited`) for programs,
    `message` a sentence for people."""

    code: str
    message: str
    fields: list[FieldError] | None = None


class ErrorBody(BaseModel):
    """The body of every error response (4xx and 5xx)."""

    error: ErrorDetail
