"""Templates filled every few words with details the slot finder cannot see (a reader's recent
project, rotated phrases): copies share all their own wording in order, yet the fills break most
word shingles, so their estimated similarity falls under the link threshold. The in-memory index
links them by aligning their words (`fill_coverage`); stock phrases, a shared opening line or one
reader do not link so.

Fixtures are written here: a profile-style pitch with eleven detail fills, a second pitch with the same
fill density and stock phrases, and copies that share only their first lines.
"""

import random

from detector.campaigns.fingerprint import (
    ALIGN_MAX_TOKENS,
    FILL_COVERAGE,
    LINK_THRESHOLD,
    fill_coverage,
    similarity,
)
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.campaigns.stores.sqlite import SqliteCampaignStore

DETAILS = (
    "the onboarding flow", "last quarter's launch", "the pricing page", "the hiring push", "the new mobile app",
    "the migration to the cloud", "the roadmap review", "your customer stories", "the community forum",
    "the spring release", "the partner programme", "the support backlog", "the data pipeline", "the rebrand",
    "the expansion into Europe", "the open-source SDK", "the holiday campaign", "the checkout redesign",
    "the internal tooling", "the API docs",
)
PROFILE = ("Hi {first},\n\nI help teams like {company} get {0} done without burning out "
           "{10}. After years of {1}, I learned that {2} matters more than {7}.\n\nWhat I "
           "would bring to the table: {3}, {8} and {4}. Previously I worked on {5} with {9} "
           "on the side.\n\nOpen to a short chat about {6} some time next week?\n\nBest,\nPat")
LEDGER = ("Hi {first},\n\nWe close the books for teams like {company} while you focus on {0} and "
          "{10}. Most founders tell us {1} ate their weekends before {8}.\n\nWhat you would get: "
          "{2}, {7} and {3}. Last month we took over {4} for a growing studio with {9}.\n\nOpen to "
          "a short chat about {5} and {6} some time next week?\n\nBest,\nPat")
PEOPLE = [("Anna", "Globex"), ("Bruno", "Initech"), ("Chen", "Umbrella"), ("Dana", "Hooli"), ("Eli", "Vandelay")]


def copy(template: str, i: int, first: str, company: str, seed: str = "") -> dict:
    details = random.Random(f"{seed}{template[:20]}{i}").sample(DETAILS, 11)
    return {"id": f"{template[:6]}-{seed}{i}", "channel": "email", "subject": "Quick idea",
            "body": template.format(*details, first=first, company=company),
            "recipient": {"first_name": first, "company": company, "email": f"{first.lower()}@{company.lower()}.com"},
            "sender": {"name": "Pat Sender", "email": "pat@seller.io"}}



def test_the_fills_keep_copies_under_the_link_threshold_though_their_wording_aligns(fingerprint_of):
    fps = [fingerprint_of(copy(PROFILE, i, *p)) for i, p in enumerate(PEOPLE)]
    pairs = [(a, b) for i, a in enumerate(fps) for b in fps[i + 1:]]
    assert min(similarity(a.signature, b.signature) for a, b in pairs) < LINK_THRESHOLD
    assert min(fill_coverage(a.tokens, b.tokens) for a, b in pairs) >= FILL_COVERAGE


def test_copies_with_dense_fills_link_in_memory_into_one_campaign(fingerprint_of):
    campaigns = MemoryCampaignStore().link(fingerprint_of(copy(PROFILE, i, *p)) for i, p in enumerate(PEOPLE))
    assert None not in campaigns and len({c.id for c in campaigns}) == 1
    assert (campaigns[-1].copies, campaigns[-1].recipients) == (5, 5)
    assert not campaigns[-1].opening_only


def test_a_store_that_keeps_no_words_links_them_only_by_their_signatures(fingerprint_of, tmp_path):
    """The persistent stores keep signatures only: there such copies stay as the signatures place them."""
    fps = [fingerprint_of(copy(PROFILE, i, *p)) for i, p in enumerate(PEOPLE)]
    with SqliteCampaignStore(tmp_path / "index.db") as store:
        ids = [c.id if c else None for c in store.link(fps)]
    assert None in ids or len(set(ids)) > 1


def test_two_pitches_with_the_same_fill_density_stay_two_campaigns(fingerprint_of):
    records = [copy(t, i, *p) for t in (PROFILE, LEDGER) for i, p in enumerate(PEOPLE)]
    fps = [fingerprint_of(r) for r in records]
    assert max(fill_coverage(a.tokens, b.tokens) for a in fps[:5] for b in fps[5:]) < FILL_COVERAGE
    campaigns = MemoryCampaignStore().link(fps)
    profile, ledger = {c.id if c else None for c in campaigns[:5]}, {c.id if c else None for c in campaigns[5:]}
    assert not profile & ledger


def test_copies_that_share_only_their_first_lines_do_not_align(fingerprint_of):
    """A stock opening above two different pitches: the shared words end where the pitches begin."""
    head = PROFILE.split("\n\nWhat")[0]
    one = fingerprint_of(copy(head + "\n\nWe also run a weekly clinic for founders on hiring, pricing and the first "
                       "sales hire, free for the first month.\n\nBest,\nPat", 0, *PEOPLE[0]))
    two = fingerprint_of(copy(head + "\n\nIf useful, I can send over a recording of the workshop we did with three "
                       "design agencies last spring about retainers.\n\nBest,\nPat", 0, *PEOPLE[1]))
    assert fill_coverage(one.tokens, two.tokens) == 0.0


def test_copies_to_one_reader_do_not_link_by_alignment(fingerprint_of):
    """One reader's details never vary between notes to them: a writer's routine wording is not a template."""
    fps = [fingerprint_of(copy(PROFILE, i, *PEOPLE[0])) for i in range(3)]
    assert min(fill_coverage(fps[0].tokens, fp.tokens) for fp in fps[1:]) >= FILL_COVERAGE
    assert MemoryCampaignStore().link(fps) == [None, None, None]


def test_alignment_is_bounded_by_length():
    long = tuple(f"w{i}" for i in range(ALIGN_MAX_TOKENS + 1))
    assert fill_coverage(long, long) == 0.0
    assert fill_coverage(long[:ALIGN_MAX_TOKENS], long[:ALIGN_MAX_TOKENS]) == 1.0
