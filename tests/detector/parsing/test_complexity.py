"""Complexity budgets: hostile mail is read in bounded time, in-process (a bound, not a speed target:
before the caps, 50,000 nested <div> took over 100 s, 100,000 header lines over 400 s and 5,000 blank
lines 16 s)."""

from __future__ import annotations

import time

import pytest

from detector.campaigns.fingerprint import fingerprint
from detector.engine import prepare
from detector.message import from_record
from detector.parsing import html
from detector.signals import default_registry

BUDGET_S = 1.0
HEAD = b"From: a@example.com\nTo: b@example.com\nSubject: s\n"

HOSTILE = {
    "50k nested div": HEAD + b"Content-Type: text/html\n\n" + b"<div>" * 50_000 + b"deep" + b"</div>" * 50_000,
    "100k header lines": b"".join(b"X-Trace-%d: hop\n" % i for i in range(100_000)) + HEAD + b"\nthe body\n",
    "1 MB without spaces": HEAD + b"\n" + b"a" * 1_000_000,
    "1 MB html without spaces": HEAD + b"Content-Type: text/html\n\n" + b"a" * 1_000_000,
    "50k unterminated comments": HEAD + b"Content-Type: text/html\n\n" + b"<div>" * 300 + b"<!--<script>" * 50_000,
    "1 MB of blank lines": HEAD + b"\n" + b"\n" * 1_000_000 + b"hello\n",
    "50k quoted lines": HEAD + b"\n" + b"> quoted line\n  \n" * 50_000,
}


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_mail_is_read_under_the_budget(name):
    record = {"id": name, "channel": "email", "raw": HOSTILE[name]}
    assert _seconds(lambda: from_record(record)) < BUDGET_S


@pytest.mark.parametrize("name", list(HOSTILE))
def test_signals_and_the_campaign_print_stay_bounded_too(name):
    registry = default_registry()
    record = {"id": name, "channel": "email", "raw": HOSTILE[name]}
    assert _seconds(lambda: fingerprint(*prepare(record, registry))) < 2 * BUDGET_S


def test_deep_markup_keeps_its_text_and_links():
    markup = "<div>" * (html.MAX_DEPTH + 10) + '<p>Hi &amp; <a href="https://x.example/a">bye</a></p>' + "</div>" * 300
    rendered = html.to_text(markup)
    assert rendered.text == "Hi & bye" and rendered.links == ("https://x.example/a",)
