"""Skeletons hide the reader and the volatile details; alignment types what varies."""

from detector.campaigns.alignment import differing_kinds, reader_words, varying_slots
from detector.campaigns.fingerprint import MIN_TOKENS, SHORT_MIN_TOKENS, band_keys, fingerprint, similarity
from detector.campaigns.linking import Campaign
from detector.campaigns.reason import explanation
from detector.engine import prepare
from detector.message import Person

BODY = ("Hi {first}, saw that {company} opened an office in Lisbon on 3 March 2025 - congrats! We help teams "
        "like yours at https://acme.io/{first} hire faster, call me on 555 0199 or reply to sales@acme.io.")


def fp_of(registry, first, company, body=BODY, sender="Robin Vale"):
    record = {"id": first, "channel": "email", "body": body.format(first=first, company=company),
              "recipient": {"first_name": first, "company": company}, "sender": {"name": sender}}
    return fingerprint(*prepare(record, registry))


def test_name_swapped_copies_have_one_skeleton_and_signature(registry):
    a, b = fp_of(registry, "Anna", "Globex"), fp_of(registry, "Bruno", "Initech")
    assert a.tokens == b.tokens and similarity(a.signature, b.signature) == 1.0
    assert {"xfirstnamex", "xcompanyx", "xdatex", "xurlx", "xemailx", "xnumx"} <= set(a.tokens)
    assert not {"anna", "globex", "bruno", "initech"} & set(a.tokens)
    assert band_keys(a.signature) == band_keys(b.signature)


def test_the_senders_name_is_masked_too(registry):
    signed = BODY + " Cheers, {sender}"
    a = fp_of(registry, "Anna", "Globex", body=signed.replace("{sender}", "Robin"), sender="Robin Vale")
    b = fp_of(registry, "Bruno", "Initech", body=signed.replace("{sender}", "Kim"), sender="Kim Oduya")
    assert a.tokens == b.tokens


def test_very_short_messages_are_not_fingerprinted_and_short_ones_are_marked_short(registry):
    record = {"id": "s", "channel": "sms", "body": "ok see you at 7 then"}
    assert len(record["body"].split()) < SHORT_MIN_TOKENS
    assert fingerprint(*prepare(record, registry)) is None
    record["body"] += ", bring the charger pls"
    assert SHORT_MIN_TOKENS <= len(record["body"].split()) < MIN_TOKENS
    assert fingerprint(*prepare(record, registry)).short  # links only near-identical, across readers
    assert not fp_of(registry, "Anna", "Globex").short


def test_alignment_types_what_differs():
    mine = ("hi", "xfirstnamex", "loved", "your", "post", "at", "head", "of", "growth")
    theirs = ("hey", "xfirstnamex", "loved", "your", "post", "at", "xtitlex")
    reader = reader_words(Person(first_name="Anna", title="Head of Growth"))
    kinds, words_differ = differing_kinds(mine, theirs, reader)
    assert kinds == {"title"} and words_differ  # "hi"/"hey" is spintax wording
    assert differing_kinds(mine[1:], theirs[1:], reader) == ({"title"}, False)


def test_varying_slots_without_skeletons_fall_back_to_signatures():
    campaign = Campaign("c1", copies=3, recipients=3, slot_types=frozenset({"first_name", "company", "school"}),
                        signatures_differ=False)
    assert varying_slots(None, campaign) == (["first_name", "company", "other"], True)
    differ = Campaign("c1", 3, 3, frozenset({"first_name"}), signatures_differ=True)
    assert varying_slots(None, differ) == (["first_name", "other"], False)
    one_reader = Campaign("c1", 3, 1, frozenset({"first_name"}), signatures_differ=False)
    assert varying_slots(None, one_reader) == ([], False)


def test_explanations_read_as_sentences():
    assert explanation(37, 37, ["first_name", "company"], True) == \
        "only your first name and company differ from 37 copies sent to 37 people"
    assert explanation(5, 5, ["first_name"], True) == "only your first name differs from 5 copies sent to 5 people"
    assert explanation(4, 4, ["first_name", "title", "other"], False) == \
        "your first name and title differ from 4 copies sent to 4 people, and so does some wording"
    assert explanation(3, 1, [], False) == "the same text matches 3 copies sent to 1 person"


def test_only_the_writers_own_text_is_fingerprinted(registry):
    forwarded = ("fyi, see below.\n---------------------- forwarded by dana lee/hou/ect on 12/14/99 10:18 am "
                 "-----------------\n" + BODY.format(first="Anna", company="Globex"))
    record = {"id": "f", "channel": "email", "body": forwarded, "recipient": {"first_name": "Kim"}}
    assert fingerprint(*prepare(record, registry)) is None  # "fyi see below" is all the writer wrote
