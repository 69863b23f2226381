import pytest

from detector.message import from_record
from detector.signals.transactional_notice import TransactionalNotice

SIGNAL = TransactionalNotice()


def detect(body, channel="email", subject=None):
    return SIGNAL.detect(from_record({"id": "t", "channel": channel, "subject": subject, "body": body}), {})


@pytest.mark.parametrize("body, kinds", [
    ("Hi Dana, your order #112-5534 has shipped! Track your package here. Estimated delivery: Thursday.",
     {"order", "shipping"}),
    ("Dana, your USPS package is on hold due to an unpaid delivery fee. Confirm your details here.",
     {"shipping", "account"}),
    ("Receipt for your payment. Amount paid: $12.00. Billing address on file.", {"billing"}),
])
def test_notices_fire_with_their_kinds(body, kinds):
    hit = detect(body)
    assert set(hit.data["kinds"]) == kinds
    assert all(e.text for e in hit.evidence)


@pytest.mark.parametrize("body", [
    "Did your order from the bakery ever arrive? Mine was late.",
    "Hi Dana, quick question about the Lisbon budget: can we move the offsite to May?",
])
def test_one_phrase_or_none_does_not_fire(body):
    assert detect(body) is None
