"""The engine links copies inside one input, reports them in the contract, and scores them."""

import pytest

import detector.engine as engine
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.campaigns.stores.sqlite import SqliteCampaignStore
from detector.engine import Detector
from detector.policy import FIXED_WEIGHTS, Policy
from detector.reasons import CAMPAIGN_COPY

MERGE = ("Hi {first},\n\nI came across {company} while researching teams that run their own support desk, and "
         "I think we could save your agents a few hours every week. We built a small assistant that drafts "
         "replies from your help centre articles. Would you be open to a short call next week to see it?\n\nBest,\nPat")
LETTER = ("Dear readers, this month we look back at the spring programme of the botanical society: the "
          "orchid walk drew more visitors than ever, the seed exchange moved to the library, and volunteers "
          "repaired the greenhouse roof before the storms. Thank you for your support.")
PEOPLE = [("Anna", "Globex"), ("Bruno", "Initech"), ("Chen", "Umbrella"), ("Dana", "Hooli"), ("Eli", "Vandelay")]


def merged(i, first, company, template=MERGE):
    return {"id": f"m{i}", "channel": "email", "subject": "Support desk", "body": template.format(first=first, company=company),
            "recipient": {"first_name": first, "company": company, "email": f"{first.lower()}@{company.lower()}.com"},
            "sender": {"name": "Pat Sender", "email": "pat@helpdesk.io"}}


@pytest.fixture(scope="module")
def detector():
    return Detector.open()


def campaign_reason(result):
    return next((r for r in result["reasons"] if r["code"] == CAMPAIGN_COPY), None)


def test_copies_in_one_input_are_linked_and_explained(detector):
    unrelated = {"id": "u", "channel": "sms", "body": "are we still on for dinner at 7? I can bring the salad"}
    results = list(detector.score_many([merged(i, *p) for i, p in enumerate(PEOPLE[:3])] + [unrelated]))
    for result in results[:3]:
        assert result["campaign"]["copies"] == 3 and result["campaign"]["recipients"] == 3
        assert result["campaign"]["varying_slots"] == ["first_name", "company"]
        reason = campaign_reason(result)
        assert reason["description"] == "only your first name and company differ from 3 copies sent to 3 people"
        assert reason["weight"] == FIXED_WEIGHTS[CAMPAIGN_COPY]
        assert {e["text"] for e in reason["evidence"]} >= {PEOPLE[results.index(result)][0]}
    assert len({r["campaign"]["id"] for r in results[:3]}) == 1
    assert results[3]["campaign"] is None and campaign_reason(results[3]) is None


def test_a_one_line_template_is_linked_and_explained_by_the_readers_names(detector):
    line = "{first}, should I keep trying or let this go?"
    results = list(detector.score_many([merged(i, *p, template=line) for i, p in enumerate(PEOPLE[:3])]))
    for person, result in zip(PEOPLE, results, strict=False):
        assert (result["campaign"]["copies"], result["campaign"]["recipients"]) == (3, 3)
        reason = campaign_reason(result)
        assert reason["description"] == "only your first name differs from 3 copies sent to 3 people"
        assert [e["text"] for e in reason["evidence"]] == [person[0]]


def test_a_single_score_has_no_campaign(detector):
    assert detector.score(merged(0, *PEOPLE[0]))["campaign"] is None


def test_prefill_lets_the_first_copy_report_later_batches_without_double_counting(detector, monkeypatch):
    monkeypatch.setattr(engine, "BATCH_SIZE", 2)
    records = [merged(i, *p) for i, p in enumerate(PEOPLE)]
    streamed = [r["campaign"] for r in detector.score_many(records)]
    assert streamed[0]["copies"] == 2 and streamed[-1]["copies"] == 5

    index = MemoryCampaignStore()
    index.prefill(detector.fingerprint_many(records))
    whole = [r["campaign"] for r in detector.score_many(records, campaigns=index)]
    assert [(c["copies"], c["recipients"]) for c in whole] == [(5, 5)] * 5


def test_fingerprint_many_keeps_one_entry_per_record(detector):
    fps = list(detector.fingerprint_many([merged(0, *PEOPLE[0]), {"id": "bad"}, engine.BadLine("x"),
                                          {"id": "short", "channel": "sms", "body": "ok"}]))
    assert len(fps) == 4 and fps[0] is not None and fps[1:] == [None, None, None]


def test_a_shared_store_links_copies_across_runs(detector, tmp_path):
    store = SqliteCampaignStore(tmp_path / "shared.db")
    assert list(detector.score_many([merged(0, *PEOPLE[0])], campaigns=store))[0]["campaign"] is None
    later = list(detector.score_many([merged(1, *PEOPLE[1])], campaigns=store))[0]
    assert later["campaign"]["copies"] == 2 and later["verdict"] == "smile"
    store.close()


def test_campaigns_strengthen_bulk_for_an_honest_newsletter(detector):
    copies = [{"id": f"n{i}", "channel": "email", "subject": "Spring newsletter", "body": LETTER,
               "recipient": {"email": f"member{i}@example.org"}} for i in range(4)]
    alone = detector.score(copies[0])
    linked = list(detector.score_many(copies))[0]
    assert linked["campaign"]["varying_slots"] == [] and linked["campaign"]["recipients"] == 4
    assert campaign_reason(linked)["description"] == "the same text matches 4 copies sent to 4 people"
    assert linked["score"] > alone["score"]
    assert linked["verdict"] == "bulk"


def test_a_memo_to_coworkers_is_not_explained_as_a_mail_merge_of_their_company(detector):
    """Every copy names the one company all its readers share: nothing of the reader varies, so the
    reason says so and counts as a mailing (bulk side), not as a mail merge."""
    memo = ("Team, starting Monday all Globex travel must be booked through the new portal. Receipts over fifty "
            "dollars need a manager's approval before the trip, and the old expense forms will no longer be "
            "accepted after the end of the month. Questions go to the finance helpdesk.")
    copies = [{"id": f"t{i}", "channel": "email", "subject": "Travel policy", "body": memo,
               "recipient": {"first_name": first, "company": "Globex", "email": f"{first.lower()}@globex.com"}}
              for i, (first, _) in enumerate(PEOPLE[:3])]
    linked = list(detector.score_many(copies))[0]
    assert linked["campaign"]["varying_slots"] == [] and linked["campaign"]["recipients"] == 3
    assert campaign_reason(linked)["description"] == "the same text matches 3 copies sent to 3 people"
    assert linked["verdict"] != "smile"


def test_a_policy_written_before_campaigns_gets_the_fixed_weight():
    old = {"version": "v", "intercept": 0.0, "weights": {"TEXT_MODEL": 1.0}, "threshold": 0.5}
    assert Policy.from_dict(old).weights[CAMPAIGN_COPY] == FIXED_WEIGHTS[CAMPAIGN_COPY]
    tuned = {**old, "weights": {"TEXT_MODEL": 1.0, CAMPAIGN_COPY: 2.5}}
    assert Policy.from_dict(tuned).weights[CAMPAIGN_COPY] == 2.5
