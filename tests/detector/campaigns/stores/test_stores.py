"""One contract, three stores: in-memory, SQLite and a real Redis server."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import redis

from detector.campaigns.stores import CampaignStoreError, open_campaign_store
from detector.campaigns.stores.memory import MemoryCampaignStore
from detector.campaigns.stores.redis import RedisCampaignStore
from detector.campaigns.stores.sqlite import SqliteCampaignStore
from detector.engine import prepare

PITCH = ("Hi {first}, I noticed {company} is hiring engineers again this quarter. We help teams like yours "
         "cut onboarding time in half with a short weekly workshop. Would you be open to a quick call next week "
         "so I can show you how it works for companies of your size?")
OTHER = ("Hey {first}, congratulations on the new role at {company}. Our agency builds backlinks from "
         "respected industry blogs and we would love to send over a free audit of your current profile "
         "together with a plan for the coming quarter, no strings attached.")


def record(template, first, company, rid=None, email=None):
    return {
        "id": rid or f"{first}-{company}",
        "channel": "email",
        "subject": "Quick question",
        "body": template.format(first=first, company=company),
        "recipient": {"first_name": first, "company": company, "email": email or f"{first.lower()}@example.org"},
        "sender": {"name": "Pat Seller", "email": "pat@seller.io"},
    }


@pytest.fixture
def fp(registry):
    from detector.campaigns.fingerprint import fingerprint

    return lambda *args, **kwargs: fingerprint(*prepare(record(*args, **kwargs), registry))


@pytest.fixture(params=["memory", "sqlite", "redis"])
def make_store(request, tmp_path):
    """A factory: the same store reopened on each call (a fresh index for memory)."""
    if request.param == "memory":
        yield lambda **kw: MemoryCampaignStore(**kw)
        return
    if request.param == "sqlite":
        stores = []

        def sqlite_store(**kw):
            stores.append(SqliteCampaignStore(tmp_path / "campaigns.db", **kw))
            return stores[-1]

        yield sqlite_store
        for s in stores:
            s.close()
        return
    url = request.getfixturevalue("redis_url")
    redis.Redis.from_url(url).flushdb()
    yield lambda **kw: RedisCampaignStore(url, **kw)


def test_name_swapped_copies_are_linked_and_counted(make_store, fp):
    store = make_store()
    a, b = fp(PITCH, "Anna", "Globex"), fp(PITCH, "Bruno", "Initech")
    first, second = store.link([a, b])
    assert first is not None and second is not None
    assert first.id == second.id
    assert (second.copies, second.recipients) == (2, 2)
    assert {"first_name", "company"} <= second.slot_types


def test_a_single_message_or_an_unrelated_one_has_no_campaign(make_store, fp):
    store = make_store()
    assert store.link([fp(PITCH, "Anna", "Globex")]) == [None]
    assert store.link([fp(OTHER, "Bruno", "Initech")]) == [None]


def test_adding_the_same_message_again_does_not_count_it_twice(make_store, fp):
    store = make_store()
    copies = [fp(PITCH, "Anna", "Globex"), fp(PITCH, "Bruno", "Initech")]
    store.prefill(copies)
    again = store.link(copies)
    assert [(c.copies, c.recipients) for c in again] == [(2, 2), (2, 2)]


def test_repeats_to_one_recipient_count_as_copies_not_people(make_store, fp):
    store = make_store()
    linked = store.link([fp(PITCH + " Talk on 3 May.", "Anna", "Globex", rid="m1"),
                         fp(PITCH + " Talk on 3 May? Bringing the deck.", "Anna", "Globex", rid="m2")])
    assert (linked[1].copies, linked[1].recipients) == (2, 1)


def test_a_reworded_copy_links_across_readers_but_not_to_the_same_reader(make_store, fp):
    """Between copies to one reader no reader's details vary, so only near-identical ones link."""
    store = make_store()
    reworded = PITCH.replace("Would you be open to a quick call next week", "Could I send you a short video instead")
    assert store.link([fp(PITCH, "Anna", "Globex"), fp(reworded, "Anna", "Globex", rid="again")]) == [None, None]
    store.prefill([fp(OTHER, "Anna", "Globex")])
    reworded = OTHER.replace("we would love to send over a free audit", "we can share a short audit")
    later = store.link([fp(reworded, "Bruno", "Initech")])[0]
    assert later is not None and (later.copies, later.recipients) == (2, 2)


ONE_LINER = "{first}, should I keep trying or let this go?"


def test_a_one_line_template_links_across_readers_whose_names_differ(make_store, fp):
    """A template of one line (a break-up line, a subject sent as the message) is too short for the
    0.4 margin but still a mail merge when every word but the reader's name is the same."""
    assert fp(ONE_LINER, "Anna", "Globex").short
    linked = make_store().link([fp(ONE_LINER, first, company) for first, company in
                                (("Anna", "Globex"), ("Bruno", "Initech"), ("Chen", "Umbrella"))])
    assert len({c.id for c in linked if c is not None}) == 1 and linked[0] is not None
    assert (linked[2].copies, linked[2].recipients) == (3, 3) and "first_name" in linked[2].slot_types


@pytest.mark.parametrize("first_line, second_line, second_reader", [
    (ONE_LINER, ONE_LINER.replace("let this go", "let it go"), "Bruno"),  # reworded: not near-identical
    (ONE_LINER, ONE_LINER, "Anna"),  # the same line to the same reader again: nothing of a reader varies
    ("Running late, start the budget review without me.",) * 2 + ("Bruno",),  # names no one
])
def test_short_lines_link_only_near_identical_with_the_readers_details_varying(make_store, fp, first_line,
                                                                                 second_line, second_reader):
    first, second = fp(first_line, "Anna", "Globex"), fp(second_line, second_reader, "Initech", rid="second")
    assert first.short and second.short
    assert make_store().link([first, second]) == [None, None]


def test_a_memo_naming_the_company_every_reader_shares_is_a_mailing_not_a_mail_merge(make_store, fp):
    """Coworkers each get the memo with their (one) company in it: that slot does not vary, so
    the copies link only when near-identical, and nothing of the reader is reported as varying."""
    memo = ("Team, starting Monday all {company} travel must be booked through the new portal. Receipts over "
            "fifty dollars need a manager's approval before the trip, and the old expense forms will no longer "
            "be accepted after the end of the month. Questions go to the finance helpdesk.")
    reworded = memo.replace("Receipts over fifty dollars need a manager's approval before the trip",
                            "Any receipt above fifty dollars must be approved by a manager ahead of travel")
    store = make_store()
    copies = store.link([fp(memo, first, "Globex", rid=first) for first in ("Anna", "Bruno", "Chen")])
    assert len({c.id for c in copies}) == 1 and copies[2].recipients == 3 and copies[2].same_fills == {"company"}
    assert store.link([fp(reworded, "Dana", "Globex", rid="dana")]) == [None]  # alike, but not a mail merge
    merged = store.link([fp(reworded, "Eli", "Initech", rid="eli")])[0]
    assert merged is not None and merged.recipients == 2 and merged.same_fills == frozenset()  # companies differ


def test_one_message_kept_twice_or_delivered_to_several_people_is_one_copy(make_store, fp, registry):
    from detector.campaigns.fingerprint import fingerprint

    store = make_store()
    assert store.link([fp(PITCH, "Anna", "Globex", rid="inbox/1"), fp(PITCH, "Anna", "Globex", rid="archive/1")]) \
        == [None, None]  # the same text to the same reader under two ids
    note = "Team, the offsite moves to the lake house: bring boots, a rain jacket and the budget sheets for Q3."
    one_id = {"Message-ID": "<42@globex.example>"}
    deliveries = [{**record(note, first, "Globex", rid=f"{first}-inbox"), "headers": one_id}
                  for first in ("Anna", "Bruno", "Chen")]
    fps = [fingerprint(*prepare(r, registry)) for r in deliveries]
    assert all(fps) and store.link(fps) == [None, None, None]


def test_a_prefill_links_as_single_adds_do(make_store, fp, monkeypatch):
    """Bulk paths (SQLite's staged band keys, Redis's pipelined chunks) decide as `add` does,
    across chunk boundaries and against campaigns stored before."""
    import detector.campaigns.stores.redis as redis_store

    monkeypatch.setattr(redis_store, "PREFILL_CHUNK", 3)
    reworded = PITCH.replace("Would you be open to a quick call next week", "Could I send you a short video instead")
    before = [fp(PITCH, "Anna", "Globex")]
    batch = [fp(OTHER, "Bruno", "Initech"), fp(PITCH, "Chen", "Umbrella"), fp(reworded, "Anna", "Globex", rid="r"),
             fp(OTHER, "Dana", "Hooli"), fp(PITCH, "Anna", "Globex"), fp(reworded, "Eli", "Vandelay"),
             fp(OTHER + " See you on 3 May.", "Dana", "Hooli", rid="d2"), fp(PITCH, "Fay", "Acme")]
    expected = MemoryCampaignStore()
    expected.prefill(before)
    want = [(c.copies, c.recipients) if c else None for c in expected.link(batch)]
    store = make_store()
    store.prefill(before)
    store.prefill(batch)
    assert [(c.copies, c.recipients) if c else None for c in store.link(batch)] == want
    assert want[1] == (5, 4) and want[6] == (3, 2)  # "r" joins: the campaign reached Chen too


def test_copies_with_an_opener_written_per_reader_link_by_their_pitch_in_every_store(make_store, registry):
    """One campaign, one explanation, whether added one by one or prefilled, whatever the store."""
    from detector.campaigns.fingerprint import fingerprint
    from tests.detector.campaigns.test_openers import BOOKS, PEOPLE, SUPPORT, outreach

    records = [outreach(i, pitch, *p, joined=i == 3) for pitch in (SUPPORT, BOOKS) for i, p in enumerate(PEOPLE)]
    fps = [fingerprint(*prepare(r, registry)) for r in records]
    want = [(c.copies, c.recipients, c.opening_only) for c in MemoryCampaignStore().link(fps)]
    assert want == [(5, 5, True)] * 10
    for fill in (False, True):
        store = make_store()
        if fill:
            store.prefill(fps)
        found = store.link(fps)
        assert [(c.copies, c.recipients, c.opening_only) for c in found] == want
        assert len({c.id for c in found[:5]}) == 1 and len({c.id for c in found[5:]}) == 1
        assert found[0].id != found[5].id
        if hasattr(store, "close"):
            store.close()


def test_persistent_stores_answer_after_reopening(tmp_path, fp, redis_url):
    redis.Redis.from_url(redis_url).flushdb()
    for reopen in (lambda: SqliteCampaignStore(tmp_path / "reopen.db"), lambda: RedisCampaignStore(redis_url)):
        writer = reopen()
        writer.prefill([fp(PITCH, "Anna", "Globex")])
        writer.close()
        reader = reopen()
        later = reader.link([fp(PITCH, "Chen", "Umbrella")])[0]
        assert later is not None and (later.copies, later.recipients) == (2, 2)
        reader.close()


def test_least_recently_seen_campaigns_are_dropped_beyond_the_cap(tmp_path, fp):
    for store in (MemoryCampaignStore(max_campaigns=1), SqliteCampaignStore(tmp_path / "lru.db", max_campaigns=1)):
        store.prefill([fp(PITCH, "Anna", "Globex"), fp(OTHER, "Bruno", "Initech")])
        if isinstance(store, SqliteCampaignStore):
            store.sweep()
        assert len(store) == 1
        assert store.link([fp(OTHER, "Dana", "Hooli")])[0].copies == 2
        assert store.link([fp(PITCH, "Chen", "Umbrella")]) == [None]  # the pitch was the older one


def test_expired_campaigns_are_dropped(tmp_path, fp, redis_url):
    sqlite_store = SqliteCampaignStore(tmp_path / "ttl.db", ttl_s=60)
    sqlite_store.prefill([fp(PITCH, "Anna", "Globex")])
    sqlite_store.sweep(now=time.time() + 120)
    assert len(sqlite_store) == 0 and sqlite_store.link([fp(PITCH, "Bruno", "Initech")]) == [None]

    memory = MemoryCampaignStore(ttl_s=60)
    memory.prefill([fp(PITCH, "Anna", "Globex")])
    memory._evict(time.time() + 120)
    assert len(memory) == 0

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    RedisCampaignStore(redis_url, ttl_s=60).prefill([fp(PITCH, "Anna", "Globex")])
    ttls = {key: client.ttl(key) for key in client.scan_iter() if not key.endswith(b":meta")}
    assert ttls and all(0 < t <= 60 for t in ttls.values())


def test_open_campaign_store_urls(tmp_path, redis_url, monkeypatch):
    assert isinstance(open_campaign_store("memory://"), MemoryCampaignStore)
    store = open_campaign_store(f"sqlite://{tmp_path}/idx.db?ttl_s=3600&max_campaigns=10")
    assert isinstance(store, SqliteCampaignStore) and (store.ttl_s, store.max_campaigns) == (3600, 10)
    store.close()
    monkeypatch.chdir(tmp_path)
    relative = open_campaign_store("sqlite://sub/relative.db")
    assert relative.path == Path("sub/relative.db") and (tmp_path / "sub/relative.db").is_file()
    relative.close()
    shared = open_campaign_store(redis_url)
    assert isinstance(shared, RedisCampaignStore) and len(shared) >= 0
    for bad in ("ftp://x", "sqlite://", "memory://?colour=red", f"{redis_url}?max_campaigns=5"):
        with pytest.raises(CampaignStoreError):
            open_campaign_store(bad)


CANARIES = ("Zyxwvutsrqp", "Qqcanarycorp", "canary.mailbox@qqexample.org", "Unmistakablewording")


def test_no_canary_reaches_the_sqlite_file_or_redis(tmp_path, registry, redis_url):
    from detector.campaigns.fingerprint import fingerprint

    first, company, email, word = CANARIES
    body = PITCH + f" {word} appears in every copy."
    # three notes to the canary reader (texts differ, or they would be one message), one to Anna
    records = [record(body + f" Ref {i}.", first, company, rid=f"{first}-{i}", email=email) for i in range(3)]
    records += [record(body, "Anna", "Globex", rid="Unmistakablewording-id")]
    fps = [fingerprint(*prepare(r, registry)) for r in records]
    assert all(fps)

    sqlite_store = SqliteCampaignStore(tmp_path / "priv.db")
    assert sqlite_store.link(fps)[0].copies == 4
    sqlite_store.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.glob("priv.db*"))
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    assert RedisCampaignStore(redis_url).link(fps)[0].copies == 4
    for key in client.scan_iter():
        kind = client.type(key)
        values = {b"string": lambda k=key: [client.get(k)], b"hash": lambda k=key: [*client.hgetall(k).items()],
                  b"set": lambda k=key: list(client.smembers(k)), b"list": lambda k=key: client.lrange(k, 0, -1)}[kind]()
        blobs += key + b"".join(v if isinstance(v, bytes) else b"".join(v) for v in values)
    for canary in CANARIES:
        for form in (canary, canary.lower()):
            assert form.encode() not in blobs, form
    assert blobs  # something was written
    assert any(key.startswith(b"sincere:cmp:f:") for key in client.scan_iter())  # the readers' fills, salted


WRITER = textwrap.dedent("""
    import sys
    from detector.campaigns.fingerprint import fingerprint
    from detector.campaigns.stores.sqlite import SqliteCampaignStore
    from detector.engine import prepare
    from detector.signals import default_registry
    registry = default_registry()
    store = SqliteCampaignStore(sys.argv[1])
    body = sys.argv[2]
    for i in range(10**6):
        record = {"id": f"m{i}", "channel": "email", "body": body.format(first=f"Name{i}", company=f"Co{i % 7}") + f" v{i // 50}",
                  "recipient": {"first_name": f"Name{i}", "email": f"r{i}@example.org"}}
        store.add(fingerprint(*prepare(record, registry)))
        if i == 50:
            print("ready", flush=True)
""")


def test_sqlite_store_survives_a_writer_killed_mid_batch(tmp_path, fp):
    path = tmp_path / "crash.db"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), PITCH], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    store = SqliteCampaignStore(path)
    linked = store.link([fp(PITCH, "Anna", "Globex")])[0]
    assert linked is not None and linked.copies > 50 and linked.recipients == linked.copies
    store.close()


def test_an_index_built_with_another_fingerprint_scheme_is_refused(tmp_path):
    import sqlite3

    from detector.campaigns.fingerprint import IncompatibleIndex
    from detector.campaigns.stores.sqlite import SqliteCampaignStore

    path = tmp_path / "old.db"
    SqliteCampaignStore(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = 'minhash128-affine32-sha1-shingles' WHERE key = 'fingerprint'")
    with pytest.raises(IncompatibleIndex, match="move it aside"):
        SqliteCampaignStore(path)


def test_a_copy_as_like_two_campaigns_joins_the_same_one_whatever_order_they_are_found_in(fp, monkeypatch):
    """Candidates come from sets and queries in no set order; a tie must not depend on it (or on
    Python's per-process string hashing), so one corpus links the same way every run."""
    index = MemoryCampaignStore()
    index.link([fp(PITCH, "Anna", "Globex"), fp(OTHER, "Bruno", "Initech")])
    both = {cid: entry.reps for cid, entry in index._campaigns.items()}
    assert len(both) == 2
    monkeypatch.setattr("detector.campaigns.linking.similarity", lambda a, b: 0.9)
    copy = fp(PITCH, "Chen", "Umbrella")
    chosen = set()
    for found in (both, dict(reversed(both.items()))):
        monkeypatch.setattr(index, "_candidates", lambda keys, found=found: found)
        chosen.add(index._best_match(copy, [])[0])
    assert len(chosen) == 1 and None not in chosen


def test_every_redis_key_follows_the_one_key_scheme(redis_url, fp):
    """Single adds and the bulk prefill write only keys that RedisLayout names, under the store's prefix."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    store = RedisCampaignStore(redis_url, prefix="scheme-test:")
    store.prefill([fp(PITCH, "Anna", "Globex"), fp(PITCH, "Bruno", "Initech")])
    assert store.link([fp(PITCH, "Chen", "Umbrella")])[0].copies == 3
    kinds = {key.decode().removeprefix("scheme-test:").split(":")[0] for key in client.scan_iter()}
    assert all(key.startswith(b"scheme-test:") for key in client.scan_iter())
    assert kinds == {"meta", "m", "c", "r", "u", "f", "b"}  # the lock is gone once released
