"""The reason catalogue: every code a result can carry, in one place (after Rspamd's `scores.d`).

Each entry says what the reason means to a reader (its description), which family it belongs to,
whether the policy's blend scores it, and how its weight is set: fixed here (no labelled data to fit
it on), or fitted by training within bounds (`training.fit_policy`). Signals, the policy, the result
builder, fitting, the voicemail path and the API all read it, so adding a reason is one entry here
plus the signal (or hit) that raises it.
"""

from __future__ import annotations

from dataclasses import dataclass

MODEL, TEMPLATE, WORDING, SENDER, CONTEXT, CAMPAIGN, VOICE, USER = (
    "model", "template", "wording", "sender", "context", "campaign", "voice", "user")
"""Reason groups: what part of the message (or who) the reason speaks about."""

TEXT_MODEL = "TEXT_MODEL"
SHARED_HISTORY = "SHARED_HISTORY"
TEXT_TRUNCATED = "TEXT_TRUNCATED"
IDENTITY_SLOTS = "IDENTITY_SLOTS"
PERSONALIZATION_DEPTH = "PERSONALIZATION_DEPTH"
TOO_LITTLE_TEXT = "TOO_LITTLE_TEXT"
CAMPAIGN_COPY = "CAMPAIGN_COPY"
SYNTHETIC_VOICE = "SYNTHETIC_VOICE"
VOICE_CAMPAIGN_COPY = "VOICE_CAMPAIGN_COPY"
USER_ALLOWED_SENDER = "USER_ALLOWED_SENDER"
USER_DENIED_SENDER = "USER_DENIED_SENDER"


@dataclass(frozen=True)
class Reason:
    """One code's metadata. `scored` reasons get a weight in the blend; the others are shown only."""

    code: str
    description: str
    group: str
    scored: bool = True
    fixed_weight: float | None = None
    """Logit points at full strength, set here rather than fitted (a policy file may still set its own)."""
    bounds: tuple[float | None, float | None] = (0.0, None)
    """The fitted weight's (lower, upper) bound: evidence of mass production may only raise the score."""
    conclusive: bool = False
    """At full strength it decides on its own: the score is at least the threshold, personal leans are overruled."""
    addresses_reader: bool = False
    """It shows a message dressed as personal (so a mass-produced one is `smile`, not `bulk`)."""
    verdict: str | None = None
    """The verdict it imposes whatever the blend says (a user's own rule); the score stays the blend's."""
    always_shown: bool = False
    """Shown even when it adds no weight and points at no text."""
    personal_description: str | None = None
    """The description when its weight came out negative (the text model leaning personal)."""


_CATALOGUE = (
    Reason(TEXT_MODEL, "The wording resembles mass-produced messages the model was trained on.", MODEL,
           bounds=(0.0, None), personal_description="The wording reads like messages written for one person."),
    # At least 4 logit points: nobody writes `{{first_name}}` to a friend, so an unfilled placeholder must
    # decide the verdict even when validation copies were already caught by the text model.
    Reason("MERGE_TAG_LEFTOVER", "An unfilled mail-merge placeholder such as [FIRST_NAME] or {{company}} was left in.", TEMPLATE,
           bounds=(4.0, None), conclusive=True, addresses_reader=True),
    # Informational: a name in a message is no evidence either way.
    Reason(IDENTITY_SLOTS, "The message refers to you by name, company, title, place or a link made for you.", TEMPLATE,
           scored=False),
    Reason("MERGE_FALLBACK", "A generic greeting (\"Hi there\", \"Dear Valued Customer\") stands where your name would be.",
           TEMPLATE, addresses_reader=True),
    Reason("MERGE_GLITCH", "A merge field went in wrong: odd casing, full name or company where a first name belongs.",
           TEMPLATE, addresses_reader=True),
    Reason("OUTREACH_PATTERNS",
           "Stock phrases of cold-outreach sequences (flattery opener, meeting ask, bump, 'personal video').",
           WORDING, addresses_reader=True),
    Reason("SENDER_TOOL_TRACES", "Headers, tracking pixels or tracking links left by a mail-merge or sequencing tool.", SENDER),
    # Fitted weight 0 in the shipped policies, and rightly: on validation "shallow" marks 93 % of smile but
    # also 34 % of personal mail, and the text model already reads the masked name and company markers, so
    # given its logit a shallow note is no likelier mass-produced (unconstrained fit: -0.42 points; the sign
    # rule keeps evidence of mass production from lowering a score, hence 0). Depth speaks through
    # SHARED_HISTORY (deep) instead; the code stays to report the depth.
    Reason(PERSONALIZATION_DEPTH,
           "Personalization stops at filled-in fields (name, company): nothing shows shared history.", CONTEXT),
    Reason("TRANSACTIONAL_NOTICE",
           "Order, shipping, billing or account-notice wording: machine mail to a customer, not a note.", WORDING),
    # Informational: a very short text scales the text model's logit instead (detector.features.text_evidence).
    Reason(TOO_LITTLE_TEXT, "Too little text to judge (under 6 words): the wording cannot tell a template from "
           "a note, so the verdict leans personal unless there is conclusive evidence.", CONTEXT, scored=False),
    # Lowers the score by at least 3 points: it is what a template cannot fake, and stock wording alone must
    # not outvote it (a friend's "quick question... 15 minutes this week?" about a job offer reads like a
    # networking template to the text model, logit ~3.5).
    Reason(SHARED_HISTORY, "The message answers what the recipient wrote earlier or refers to shared history.", CONTEXT,
           bounds=(None, -3.0)),
    Reason(CAMPAIGN_COPY, "The same text reached other readers with only their details changed.", CAMPAIGN,
           fixed_weight=4.0, conclusive=True),
    Reason(SYNTHETIC_VOICE, "The voice sounds synthetic (text-to-speech), as in automated voicemail drops.", VOICE,
           fixed_weight=2.5),
    Reason(VOICE_CAMPAIGN_COPY, "The same recording was left for other people, a short part such as a name aside.", VOICE,
           fixed_weight=4.0, always_shown=True),
    Reason(TEXT_TRUNCATED, "The text was longer than the limit; only its beginning was scored.", CONTEXT, scored=False),
    Reason(USER_ALLOWED_SENDER, "You marked this sender as not cold; your choice overrides the model.", USER,
           scored=False, verdict="personal", always_shown=True),
    Reason(USER_DENIED_SENDER,
           "You marked this sender's messages as spam with a smile; your choice overrides the model.", USER,
           scored=False, verdict="smile", always_shown=True),
)
REASONS: dict[str, Reason] = {r.code: r for r in _CATALOGUE}
"""Every reason by code, in catalogue order (the order fixed weights join a policy's own)."""

FIXED_WEIGHTS: dict[str, float] = {r.code: r.fixed_weight for r in _CATALOGUE if r.fixed_weight is not None}
"""Weights not fitted: a campaign copy (a validation message has no other copies to be linked with) and the
voice's two reasons (there is no labelled voicemail set). The same letter reaching several people with only
their names swapped is as conclusive as an unfilled merge tag; a synthetic voice alone is not (a person's
voice can score high over a bad line), so its weight is below a campaign's."""
CONCLUSIVE_CODES = tuple(r.code for r in _CATALOGUE if r.conclusive)
ADDRESSING_CODES = tuple(r.code for r in _CATALOGUE if r.addresses_reader)
VERDICT_CODES = tuple(r.code for r in _CATALOGUE if r.verdict is not None)


def reason(code: str) -> Reason:
    """The catalogue entry of `code`; a code missing from the catalogue is a programming error, said clearly."""
    try:
        return REASONS[code]
    except KeyError:
        raise KeyError(f"reason code {code} is not in detector/reasons.py; add its entry there") from None
