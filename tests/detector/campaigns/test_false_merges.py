"""Personal messages are not linked to each other.

The corpus-wide figure (every `personal` message of the built corpus, which needs ../shared and
minutes to build) is measured by benchmarks/campaign_eval.py instead.
"""

from detector.campaigns.stores.memory import MemoryCampaignStore

from .conftest import REPO


def linked_share(records, fingerprint_of) -> tuple[int, float]:
    fps = [fingerprint_of(r) for r in records]
    campaigns = MemoryCampaignStore().link(fps)
    linked = sum(c is not None for c in campaigns)
    return sum(fp is not None for fp in fps), linked / len(records)


def test_hand_written_personal_messages_are_never_linked(fingerprint_of):
    from training.templates import load_personal

    records = load_personal(REPO / "data" / "personal")
    fingerprinted, share = linked_share(records, fingerprint_of)
    assert len(records) >= 300 and fingerprinted >= 100
    assert share == 0.0
