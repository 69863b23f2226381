"""The template library, its renderer and the hand-written personal messages."""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import pytest

from detector.message import from_record
from training import templates as tpl

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES_DIR = ROOT / "data" / "templates"
PERSONAL_DIR = ROOT / "data" / "personal"
COPIES = 12
LEFTOVER = re.compile(r"\{|\}|\[\[|\*\||%[A-Z]+%|<<|\{!")


@pytest.fixture(scope="module")
def library() -> list[tpl.Template]:
    return tpl.load_templates(TEMPLATES_DIR)


@pytest.fixture(scope="module")
def smile() -> list[dict]:
    return tpl.render_smile(TEMPLATES_DIR, seed=13, copies_per_template=COPIES)


@pytest.fixture(scope="module")
def personal() -> list[dict]:
    return tpl.load_personal(PERSONAL_DIR)


def _text(record: dict) -> str:
    return f"{record.get('subject') or ''}\n{record['body']}"


# ---------------------------------------------------------------- library


def test_library_size_and_families(library):
    families = Counter(t.family for t in library)
    assert len(library) >= 200
    assert len(families) >= 10
    assert min(families.values()) >= 15, families


def test_template_ids_unique(library):
    assert len({t.id for t in library}) == len(library)


def test_fill_lists_are_big_enough():
    fills = tpl.load_fills(TEMPLATES_DIR)
    minimum = {"first_names": 150, "last_names": 150, "companies": 150, "titles": 60, "cities": 60,
               "schools": 40, "recent_posts": 60, "products": 40, "industries": 30}
    for name, size in minimum.items():
        assert len(set(fills[name])) >= size, name
    assert {"Inc.", "LLC", "Ltd", "GmbH", "Corp."} <= set(fills["legal_suffixes"])


# ---------------------------------------------------------------- rendering


def test_render_count_and_label_columns(library, smile):
    assert len(smile) == len(library) * COPIES
    assert len({r["id"] for r in smile}) == len(smile)
    for record in smile:
        assert record["label"] == "smile" and record["source"] == tpl.SMILE_SOURCE
        assert record["group"] == record["template_id"] and record["family"]
        assert record["licence"] == tpl.LICENCE


def test_records_are_valid_contract_input(smile):
    for record in smile:
        message = from_record(record)
        assert message.text.strip()


def test_clean_copies_have_no_leftover_tags_or_spintax(smile):
    clean = [r for r in smile if r["merge_failure"] is None]
    leftovers = [r["id"] for r in clean if LEFTOVER.search(_text(r)) or "{{" in _text(r)]
    assert not leftovers, leftovers[:5]


def test_copies_of_a_template_go_to_different_recipients(smile):
    by_template: dict[str, set[str]] = {}
    for record in smile:
        by_template.setdefault(record["template_id"], set()).add(record["recipient"]["email"])
    assert all(len(emails) >= COPIES - 1 for emails in by_template.values())


def test_recipient_fields_and_email(smile):
    for record in smile[:200]:
        person = record["recipient"]
        assert person["name"] == f"{person['first_name']} {person['last_name']}"
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+@[a-z0-9]+\.(com|io|co)", person["email"])
        assert person["company"] and person["title"] and person["location"]


def test_subjects_only_on_email_and_linkedin_short(smile):
    assert all("subject" not in r for r in smile if r["channel"] != "email")
    linkedin = [len(r["body"]) for r in smile if r["channel"] == "linkedin"]
    assert sum(linkedin) / len(linkedin) < 450


def test_render_is_deterministic():
    first = tpl.render_smile(TEMPLATES_DIR, seed=7, copies_per_template=3)
    again = tpl.render_smile(TEMPLATES_DIR, seed=7, copies_per_template=3)
    other = tpl.render_smile(TEMPLATES_DIR, seed=8, copies_per_template=3)
    assert first == again
    assert first != other


def test_failure_rates_match_documented_constants(smile):
    counts = Counter(r["merge_failure"] for r in smile)
    for failure, rate in tpl.MERGE_FAILURE_RATES.items():
        assert counts[failure] / len(smile) == pytest.approx(rate, abs=0.003), failure
    assert counts[None] / len(smile) == pytest.approx(1 - sum(tpl.MERGE_FAILURE_RATES.values()), abs=0.01)


def test_each_failure_is_visible_in_its_copy(smile):
    suffixes = tpl.load_fills(TEMPLATES_DIR)["legal_suffixes"]
    checks = {
        "unfilled_tag": lambda r, t: bool(LEFTOVER.search(t) or re.search(r"[$#\[]|first_?name|fname|first name|\bcompany\b", t, re.I)),
        "unexpanded_spintax": lambda r, t: bool(re.search(r"\{[^{}]*\|[^{}]*\}", t)) or r["channel"] in tpl.VOICE_CHANNELS,
        "fallback_greeting": lambda r, t: r["recipient"]["first_name"].lower() not in r["body"].lower().split("\n")[0],
        "case_glitch": lambda r, t: r["recipient"]["first_name"].upper() in t or r["recipient"]["first_name"].lower() in t,
        "full_name_as_first": lambda r, t: r["recipient"]["name"].lower() in t.lower(),
        "legal_suffix": lambda r, t: any(s.lower().rstrip(".") in t.lower() for s in suffixes),
    }
    for record in smile:
        failure = record["merge_failure"]
        if failure:
            assert checks[failure](record, _text(record)), (record["id"], failure, record["body"][:120])


def test_unfilled_tags_cover_many_syntaxes():
    rng = random.Random(0)
    seen = {tpl._unfilled_tag("first_name", rng) for _ in range(500)}
    expected = {"[FIRST_NAME]", "{{first_name}}", "{first_name}", "*|FNAME|*", "%FIRSTNAME%",
                "{{ .FirstName }}", "<<First Name>>", "#{first_name}", "$first_name", "${first_name}",
                "[[firstname]]", "{!Contact.FirstName}"}
    assert expected <= seen


def test_voice_copies_are_mostly_asr_like(smile):
    voice = [r for r in smile if r["channel"] in tpl.VOICE_CHANNELS]
    asr = [r for r in voice if r["body"] == r["body"].lower() and not re.search(r"[,!?]", r["body"])]
    assert len(asr) / len(voice) == pytest.approx(tpl.ASR_SHARE, abs=0.08)


def test_followup_bumps_quote_an_earlier_email(smile):
    bumps = [r for r in smile if r["family"] == "followup_bump"]
    assert all(r["thread"] and r["thread"][0]["from_recipient"] is False for r in bumps)


# ---------------------------------------------------------------- personal messages


def test_personal_counts_by_channel(personal):
    channels = Counter(r["channel"] for r in personal)
    assert len(personal) >= 320
    minimum = {"linkedin": 100, "voicemail": 80, "video_transcript": 60, "email": 50, "sms": 30}
    for channel, size in minimum.items():
        assert channels[channel] >= size, channels


def test_personal_records_shape(personal):
    assert len({r["id"] for r in personal}) == len(personal)
    for record in personal:
        assert record["label"] == "personal" and record["source"] == tpl.PERSONAL_SOURCE
        assert record["group"] == record["id"] and record["licence"] == tpl.LICENCE
        assert record["family"] is None and record["template_id"] is None and record["merge_failure"] is None
        person = record["recipient"]
        assert person["name"] == f"{person['first_name']} {person['last_name']}" and person["email"]
        from_record(record)


def test_personal_variety(personal):
    threaded = sum(bool(r.get("thread")) for r in personal) / len(personal)
    voice = [r for r in personal if r["channel"] in tpl.VOICE_CHANNELS]
    lowercase = sum(r["body"] == r["body"].lower() for r in voice) / len(voice)
    assert 0.2 <= threaded <= 0.4
    assert 0.35 <= lowercase <= 0.65
    assert any(len(r["body"]) < 60 for r in personal)


# ---------------------------------------------------------------- validation


def _write_family(tmp_path: Path, body: str, template_id: str = "broken-001") -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(
        "family: broken\nchannel: email\nkind: cold_email\ntemplates:\n"
        f"  - id: {template_id}\n    body: |\n      {body}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("body", [
    "{Hi|Hello {{first_name}},",          # unbalanced spintax
    "Hi {{first_nmae}}, quick one.",        # unknown slot
    "Hi {first_name}, quick one.",          # single-brace slot reads as a choice-less group
])
def test_malformed_template_names_file_and_id(tmp_path, body):
    _write_family(tmp_path, body)
    with pytest.raises(tpl.TemplateError, match=r"broken\.yaml.*broken-001"):
        tpl.load_templates(tmp_path)


def test_duplicate_ids_across_files_rejected(tmp_path):
    _write_family(tmp_path, "Hi {{first_name}}.", template_id="dup-001")
    (tmp_path / "another.yaml").write_text(
        "family: another\nchannel: sms\nkind: sms_outreach\ntemplates:\n  - id: dup-001\n    body: hey\n",
        encoding="utf-8",
    )
    with pytest.raises(tpl.TemplateError, match="dup-001"):
        tpl.load_templates(tmp_path)


def test_empty_library_renders_nothing(tmp_path):
    assert tpl.render_smile(tmp_path) == []
