"""AI-personalised outreach: one opener written per prospect above a pitch every prospect gets.

Fixtures are written here: two pitches (a support-desk pitch and a bookkeeping one) sent with the
same style of model-written openers, and personal notes that open differently and share a writer's
signature, disclaimer or routine closing lines.
"""


from detector.campaigns.reason import campaign_hit
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.engine import Detector, prepare
from detector.reasons import CAMPAIGN_COPY

OPENERS = (
    "Saw your post about remote onboarding - your point on async culture really stuck with me. It made me think of {company}.",
    "Congrats on the Series A! Twelve million is a huge milestone for {company}, and well deserved after the launch.",
    "Loved your talk at SaaStr on pricing experiments. The bit about founder-led sales was spot on for teams like yours.",
    "Noticed {company} is hiring five support leads right now - exciting times. Growing a desk that fast is hard work.",
    "Your article in Forbes about churn was a great read, especially the part on customer interviews and renewals.",
)
SUPPORT = ("We built an assistant that drafts replies from your help centre articles.\n\n"
           "Open to a short call next week?")
BOOKS = ("Our bookkeepers close the month for growing companies in five working days.\n\n"
         "Could I send you a short video?")
PEOPLE = [("Anna", "Globex"), ("Bruno", "Initech"), ("Chen", "Umbrella"), ("Dana", "Hooli"), ("Eli", "Vandelay")]


def outreach(i: int, pitch: str, first: str, company: str, joined: bool = False) -> dict:
    opener = OPENERS[i % len(OPENERS)].format(company=company)
    body = f"Hi {first},\n\n{opener}{' ' if joined else chr(10) * 2}{pitch}\n\nBest,\nPat"
    return {"id": f"{pitch[:4]}-{i}", "channel": "email", "subject": "Quick idea", "body": body,
            "recipient": {"first_name": first, "company": company, "email": f"{first.lower()}@{company.lower()}.com"},
            "sender": {"name": "Pat Sender", "email": "pat@seller.io"}}



def test_copies_of_one_pitch_with_openers_written_per_reader_link(fingerprint_of):
    records = [outreach(i, SUPPORT, *p, joined=i % 2 == 1) for i, p in enumerate(PEOPLE)]
    fps = [fingerprint_of(r) for r in records]
    assert all(fp.pitch is not None for fp in fps)
    campaigns = MemoryCampaignStore().link(fps)
    assert None not in campaigns and len({c.id for c in campaigns}) == 1
    assert (campaigns[-1].copies, campaigns[-1].recipients) == (5, 5)


def test_without_the_pitch_fingerprint_the_openers_keep_them_apart(fingerprint_of):
    """The case this exists for: the whole texts alone do not link these copies."""
    fps = [fingerprint_of(outreach(i, SUPPORT, *p)) for i, p in enumerate(PEOPLE)]
    whole_only = [fp.__class__(**{**fp.__dict__, "pitch": None, "cuts": (), "opening": 0}) for fp in fps]
    ids = [c.id if c else None for c in MemoryCampaignStore().link(whole_only)]
    assert None in ids or len(set(ids)) > 1


def test_two_pitches_with_the_same_style_of_opener_stay_two_campaigns(fingerprint_of):
    records = [outreach(i, pitch, *p) for pitch in (SUPPORT, BOOKS) for i, p in enumerate(PEOPLE)]
    campaigns = MemoryCampaignStore().link([fingerprint_of(r) for r in records])
    support, books = {c.id for c in campaigns[:5]}, {c.id for c in campaigns[5:]}
    assert len(support) == 1 and len(books) == 1 and support != books


def test_the_explanation_says_the_opening_was_written_for_the_reader_and_shows_the_pitch(fingerprint_of, registry):
    records = [outreach(i, SUPPORT, *p) for i, p in enumerate(PEOPLE[:3])]
    fps = [fingerprint_of(r) for r in records]
    campaigns = MemoryCampaignStore().link(fps)
    message, _ = prepare(records[2], registry)
    hit = campaign_hit(message, fps[2], campaigns[2])
    assert campaigns[2].opening_only and hit.data["campaign"]["opening_differs"]
    assert hit.data["explanation"].startswith(
        "the opening line was written for you; the rest is shared with 3 copies sent to 3 people")
    assert hit.strength == 1.0
    pitch = max(hit.evidence, key=lambda e: e.end - e.start)
    assert pitch.text.startswith("We built an assistant") and "short call next week" in pitch.text
    assert OPENERS[2][:20] not in pitch.text


def test_the_engine_reports_a_pitch_copy_as_a_campaign():
    detector = Detector.open()
    results = list(detector.score_many([outreach(i, SUPPORT, *p) for i, p in enumerate(PEOPLE[:4])]))
    assert {r["campaign"]["id"] for r in results} == {results[0]["campaign"]["id"]}
    reason = next(r for r in results[3]["reasons"] if r["code"] == CAMPAIGN_COPY)
    assert "the opening line was written for you" in reason["description"]
    assert results[3]["verdict"] == "smile"


NOTES = (
    ("Hi Anna,\n\nThanks for covering the Henderson call on Friday, I owe you one.\n\n"
     "I looked at the draft you sent and the numbers in the second table do not match the model we agreed "
     "on last week; could you check the growth rate before it goes to the client on Tuesday?"),
    ("Hi Bruno,\n\nHope the move went well and the boxes are all unpacked by now.\n\n"
     "About the offsite: Marta booked the lodge near the lake for the last weekend of June, and I still need "
     "your dietary needs and whether you are driving up or taking the train with the others."),
    ("Hi Chen,\n\nCongrats on the new role, well deserved after the year you had.\n\n"
     "When you have settled in, could we find an hour to go through the handover notes for the billing "
     "service? The retry logic you wrote is the part nobody else understands yet."),
)
SIGNATURE = ("\n\nPlease let me know if you have any questions or need anything else from me.\n\nThanks,\n"
             "Robert Lane\nSenior Analyst, Finance\nPhone: (713) 555-0147\n\n"
             "This e-mail and any attachments are confidential and intended solely for the addressee. "
             "If you have received this e-mail in error please notify the sender immediately.")


def test_personal_notes_with_one_writer_s_closing_and_disclaimer_are_not_linked(fingerprint_of):
    people = [("Anna", "Globex"), ("Bruno", "Globex"), ("Chen", "Globex")]
    records = [{"id": f"note-{i}", "channel": "email", "subject": "Hello", "body": note + SIGNATURE,
                "recipient": {"first_name": first, "company": company, "email": f"{first.lower()}@globex.com"},
                "sender": {"name": "Robert Lane", "email": "robert.lane@globex.com"}}
               for i, (note, (first, company)) in enumerate(zip(NOTES, people, strict=False))]
    assert MemoryCampaignStore().link([fingerprint_of(r) for r in records]) == [None, None, None]


def test_a_copy_whose_skeleton_another_copy_shares_is_not_linked_by_its_pitch_alone(fingerprint_of):
    """Two copies with one opener frame have one skeleton (one stored signature); a third copy with
    another opener joins by its pitch. The first two still share their whole text with each other."""
    records = [outreach(0, SUPPORT, *PEOPLE[0]), outreach(0, SUPPORT, *PEOPLE[1]), outreach(1, SUPPORT, *PEOPLE[2])]
    fps = [fingerprint_of(r) for r in records]
    assert fps[0].digest == fps[1].digest
    index = MemoryCampaignStore()
    index.prefill(fps)
    campaigns = [index.lookup(fp) for fp in fps]
    assert len({c.id for c in campaigns}) == 1
    joined = [index.campaign(index.add(fp), fp) for fp in fps]
    assert [c.opening_only for c in joined] == [False, False, True]
