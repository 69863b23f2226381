"""Behaviour held fixed across restructuring: the engine's results on about 2,900 corpus records
(every channel, raw mail, filled public templates that link into campaigns, the shipped samples and
voicemails) equal the fixture tests/golden/make_fixture.py wrote from the code before the change.

Regenerate the fixture only for a change that is meant to alter results, and say so in its commit.
"""

import gzip
import importlib.util
import json

import pytest

from tests.golden.make_fixture import CORPORA, FIXTURE, golden_records, score

pytestmark = pytest.mark.skipif(not CORPORA.is_dir(), reason=f"corpora not found at {CORPORA} (set SINCERE_CORPORA)")


def test_engine_results_equal_the_golden_fixture():
    with_voicemails = importlib.util.find_spec("faster_whisper") is not None
    with gzip.open(FIXTURE, "rt", encoding="utf-8") as fh:
        expected = [json.loads(line) for line in fh]
    if not with_voicemails:
        expected = [row for row in expected if not row["id"].startswith("voicemail:")]
    actual = score(golden_records(with_voicemails))
    assert len(actual) == len(expected) >= 2000
    differing = [(e["id"], e, a) for e, a in zip(expected, actual, strict=True) if e != a]
    assert not differing, f"{len(differing)} of {len(expected)} results changed; first: {differing[0]}"
