"""Acceptance: clean copies of the template library are linked to their own campaign and no other."""

from collections import Counter, defaultdict

from detector.campaigns.alignment import kind
from detector.campaigns.stores.memory import MemoryCampaignStore

IDENTITY_FIELDS = {"first_name", "full_name", "company", "title", "website"}
"""Template slots filled from the recipient record, which the identity slot finder can see."""


def test_template_copies_link_to_their_own_campaign_only(clean_copies, fingerprint_of):
    templates = {r["template_id"] for r in clean_copies}
    assert len(templates) >= 200 and len(clean_copies) >= 1000

    campaigns = MemoryCampaignStore().link(fingerprint_of(r) for r in clean_copies)

    members = defaultdict(set)
    for r, c in zip(clean_copies, campaigns, strict=True):
        if c is not None:
            members[c.id].add(r["template_id"])
    assert [m for m in members.values() if len(m) > 1] == []  # no link between different templates
    linked = sum(c is not None and members[c.id] == {r["template_id"]} for r, c in zip(clean_copies, campaigns, strict=True))
    assert linked / len(clean_copies) >= 0.99


def test_varying_slots_name_the_filled_slot_types(clean_copies, fingerprint_of):
    from detector.campaigns.reason import campaign_hit
    from detector.engine import prepare
    from detector.signals import default_registry
    from training.templates import load_templates

    from .conftest import TEMPLATES, contract

    slots = {t.id: t.slots for t in load_templates(TEMPLATES)}
    registry = default_registry()
    index = MemoryCampaignStore()
    fps = [fingerprint_of(r) for r in clean_copies]
    index.prefill(fps)
    named, missing = 0, Counter()
    for r, fp, campaign in zip(clean_copies, fps, index.link(fps), strict=True):
        if campaign is None:
            continue
        message, _ = prepare(contract(r), registry)
        varying = campaign_hit(message, fp, campaign).data["campaign"]["varying_slots"]
        expected = {kind(s) for s in slots[r["template_id"]] & IDENTITY_FIELDS}
        named += 1
        missing.update(expected - set(varying))
    assert named >= 0.99 * len(clean_copies)
    assert sum(missing.values()) <= 0.01 * named, missing
